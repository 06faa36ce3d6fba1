"""Where a chapter runs: how much memory it may still use (and a polite refusal to train
without enough), and whether it runs in a build of the book (``book_build``).

Used before every training run of the course (``training``, ``stronger``, ``forecasting`` and
``memory_task``, for chapters 6 to 10). On Binder a session has 2 GB for all the kernels it
keeps open, and JupyterLab keeps a chapter's kernel alive after its tab is closed; a chapter
that starts training with too little left is killed halfway, with no word of why. Checking
first turns that into one sentence that says what to do.

The memory left is the smaller of what the machine has available and what the container's
memory limit (cgroup v2 or v1) still allows; page cache that the kernel can reclaim counts as
free, as it does for the limit itself.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
MEMINFO = Path("/proc/meminfo")
MB = 1024 * 1024


def hand_back_memory() -> None:
    """Collect garbage and hand the freed heap back to the system (glibc's ``malloc_trim``),
    so that what a finished training run left behind no longer counts against the kernel's
    memory (chapters 10 and 11 run several trainings in one kernel)."""
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl, say): nothing to hand back
            pass


def book_build() -> bool:
    """True while the book is being built or tested (``LESSONS_BOOK_BUILD=1``, which the
    Makefile sets): long work then prints compact lines instead of live progress bars."""
    return os.environ.get("LESSONS_BOOK_BUILD", "") not in ("", "0")


def _read_int(path: Path) -> int | None:
    """The integer in a one-line file, or None where there is none ("max", missing file)."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _reclaimable(stat_file: Path, key: str) -> int:
    """The bytes of page cache the kernel may drop (``key`` of a cgroup ``memory.stat``)."""
    try:
        for line in stat_file.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def cgroup_headroom(root: Path = CGROUP) -> int | None:
    """Bytes the container's memory limit still allows, or None without a limit."""
    limit, used = _read_int(root / "memory.max"), _read_int(root / "memory.current")
    if limit is not None and used is not None:  # cgroup v2
        return limit - used + _reclaimable(root / "memory.stat", "inactive_file")
    v1 = root / "memory"
    limit, used = _read_int(v1 / "memory.limit_in_bytes"), _read_int(v1 / "memory.usage_in_bytes")
    if limit is not None and used is not None and limit < 1 << 60:  # v1: "no limit" is huge
        return limit - used + _reclaimable(v1 / "memory.stat", "total_inactive_file")
    return None


def machine_available(meminfo: Path = MEMINFO) -> int | None:
    """Bytes the machine has available (``MemAvailable`` of ``/proc/meminfo``), if known."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_mb(root: Path = CGROUP, meminfo: Path = MEMINFO) -> float | None:
    """Megabytes this process may still allocate, or None where the system does not say."""
    known = [b for b in (cgroup_headroom(root), machine_available(meminfo)) if b is not None]
    return min(known) / MB if known else None


def require_memory(needed_mb: float, task: str, available: float | None = None) -> None:
    """Raise ``MemoryError`` with what to do when fewer than ``needed_mb`` megabytes are free.

    ``available`` (megabytes) is measured when not given. Where the system does not say how
    much is free, nothing is checked.
    """
    available = available_mb() if available is None else available
    if available is None or available >= needed_mb:
        return
    raise MemoryError(
        f"{task} needs about {needed_mb:,.0f} MB of free memory, and only {available:,.0f} MB "
        "are left. On Binder, where the kernels of all open chapters share 2 GB, shut down "
        "the kernels of the other chapters (JupyterLab's Running panel lists them) and run "
        "this cell again; on your own machine, close other notebooks or programs."
    )
