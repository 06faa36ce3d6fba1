"""Each graded submission in a sandbox of its own: folders, environment, memory, container.

The grader (``lessons_lib.tooling.grade``) runs a student's notebook, code it has never read,
as the instructor. This module gives each submission its own folders, environment and
memory limit, so that what one run writes never reaches another's run or the instructor's
cache unnoticed, and a runaway kernel is stopped. Outside a container the code still runs as
the instructor and can reach whatever the instructor can; ``--container`` (below) is the
answer to that. The interface:

- ``with run_folder(parent) as folder:`` makes the folder of one grading run, with an
  unguessable name (``tempfile.mkdtemp``: ``<parent or $TMPDIR>/lessons-grading-XXXXXXXX/``) and
  mode 0700, for its sandboxes; on the way out it stops the processes still pointing into it
  (:func:`stop_leftovers`) and removes it. The mode keeps the machine's other users out; the
  student's code runs as the grading user, and that user can list the folder (a submission can
  find its neighbours' sandboxes and write into them: each answer's receipt makes such a write
  an ``errored`` verdict, not a forged one).
- ``with sandbox(parent, name, seed_cache) as box:`` makes a fresh folder
  ``<parent or $TMPDIR>/grade-<name>-XXXX/`` (``box.root``) holding ``home/``, ``cache/``,
  ``tmp/``, ``answers/`` and ``work/`` (``box.home``, ``box.cache``, ``box.tmp``,
  ``box.answers``, ``box.work``, absolute paths), and removes all of it on the way out, also
  when the body raises, after stopping the processes left pointing into it. ``name`` (a student
  id, say) only makes the folder recognisable: any character outside ``[A-Za-z0-9_.-]`` becomes
  ``_``.
- ``copy_submission(notebook, box.work)`` copies the notebook and the files beside it that
  are not notebooks (the data files a chapter reads) into ``box.work``, the kernel's working
  folder: no other ``.ipynb``, no folder (the notebook's folder may be someone's home or
  Downloads) and no symbolic link (it could point anywhere). So
  ``open('../bob/01_recurrence.ipynb')`` finds nothing. An
  *absolute* path still reaches a classmate's notebook wherever the instructor can read it,
  unless the grading runs in a container (which mounts the sandbox, not the class's folders).
- ``box.env(os.environ)`` is the environment of the student's kernel and of the verdict
  processes: ``base`` without ``PYTHONPATH``, ``PYTHONSTARTUP`` and ``PYTHONHOME``, without
  the instructor's credentials (``SSH_AUTH_SOCK``, ``GPG_AGENT_INFO`` and any name holding
  ``TOKEN``, ``SECRET``, ``PASSW``, ``CREDENTIAL``, ``API_KEY``, ``ACCESS_KEY`` or
  ``PRIVATE_KEY``: the student's code could send them away; its files it can still read, as
  it runs as the instructor, unless in a container), with
  ``HOME``, ``TMPDIR``/``TMP``/``TEMP``, the XDG folders, ``MPLCONFIGDIR``, ``KERAS_HOME``,
  ``IPYTHONDIR``, the Jupyter folders, ``LESSONS_CACHE_DIR`` (= ``box.cache``),
  ``LESSONS_ANSWERS_DIR`` (= ``box.answers``), ``PYTHONNOUSERSITE=1`` and
  ``PYTHONDONTWRITEBYTECODE=1`` (no ``.pyc`` written into the instructor's installation). Every
  other variable is kept (``PATH``, ``LESSONS_IMDB_ARCHIVE``, ``LESSONS_BOOK_BUILD``, ...). When
  ``base`` has no ``LESSONS_IMDB_ARCHIVE`` but the instructor's Keras cache holds the IMDB
  archive, the variable points at that copy, so no student's chapter downloads it again. What
  the chapters write under ``HOME`` then lands in ``box.home``: ``.keras/keras.json``,
  matplotlib's font cache (rebuilt per sandbox: 0.2 s), IPython's profile and history, the
  Jupyter folders, temporary files and the course's cache (a test runs a real kernel with
  another ``HOME`` in ``base`` and finds that ``HOME`` still empty).
- *The seed.* ``box.cache`` is a *copy* of ``seed_cache`` (the instructor's cache, so no model
  is trained again per student): ``shutil.copytree`` with ``copy2``, without lock files
  (``*.lock``), unfinished atomic writes (``.*.tmp``) and symbolic links. A submission can
  rewrite, delete or add files of its own copy only. Links to read-only files were tried first,
  and failed where it matters: root ignores file modes, and graders, CI and many instructors'
  containers run as root, so submissions wrote *through* the links into the instructor's
  files. The copy costs time and disk: the course's whole cache (122 MB, 97 files) copies in
  0.04 to 0.06 s here (ext4, warm page cache; a cold disk copies at its read speed), and each
  sandbox alive at once (``--jobs N``: N) holds its 122 MB until it is removed. The
  instructor's files are left exactly as they were (no ``chmod``). A seed that does not exist
  yet gives an empty ``cache/``.
- ``seed_manifest(seed)`` (relative path -> ``FileState(size, mtime_ns, mode)``) before the
  run and ``seed_changes(seed, manifest)`` after it: one sentence per file of the instructor's
  seed that was changed, removed or added, for the report. Outside a container the student's
  code runs as the instructor and can guess the seed's path (``~/.cache/lessons_lib``) and
  write there directly; this finds it, it does not prevent it. Compare while no other writer
  uses the seed (``--jobs N``: another submission's change shows in every report taken at the
  time; the instructor's own build as well).
- ``stop_leftovers(folder)`` kills (``SIGSTOP``, then ``SIGKILL``, in rounds until none is
  found, so that a process that keeps forking is caught) every process of this user, other
  than this process and its ancestors, whose environment (``psutil.Process.environ()``:
  ``HOME``, ``LESSONS_ANSWERS_DIR``, ...), working folder or open files point into ``folder``,
  and returns how many it killed. The grader calls it on each sandbox after the kernel is shut
  down and before the verdicts run, and again at teardown, and reports "left processes
  running: N killed": a daemon a submission started (``setsid``, double fork) no longer
  outlives its kernel to write into other sandboxes. What escapes: a process that re-executes
  itself with a clean environment (``os.execve`` with its own ``env``) and leaves the folder
  (another working folder, no file of the sandbox open) looks like any other process of the
  user and is not found; neither is one that runs as another user (it needs root for that).
  ``--container`` ends all of them: the container's processes end with it.
- ``with MemoryWatch(limit_mb) as watch:`` samples, every ``interval`` seconds, the resident
  memory (RSS) summed over every descendant process of this one (the kernel and what it
  started) and, past ``limit_mb`` (``0``: never), kills them all, children first. Afterwards
  ``watch.peak_mb`` is the highest sum seen, ``watch.exceeded`` whether it stopped them, and
  ``watch.summary()`` says so in a sentence ("the notebook's processes used more than N MB
  and were stopped": the kernel, what it started and, in the grader, the verdict processes).
  Use it in the process that starts the kernel, one submission per process (a ``--jobs``
  worker): it watches *all* of its process's descendants. It samples, so a single
  allocation larger than the machine's memory can still meet the system's OOM killer first,
  and a process that detaches itself from the tree (double fork) escapes it; a container's
  ``--memory`` (below) is the hard limit.
- ``find_engine(preferred)`` is ``"docker"`` or ``"podman"``, the first (or the one
  ``preferred``) that is on ``PATH`` and answers ``<engine> info``, else a ``ValueError`` that
  says what to install or to drop ``--container``. ``container_argv(engine, image, mounts,
  memory_mb, workdir, env, name)`` is ``[engine, "run", "--rm", "-i", "--name", name,
  "--network", "none",
  "--memory", "<mb>m", "--memory-swap", "<mb>m", "--pids-limit", "512", "--cap-drop", "ALL",
  "--security-opt", "no-new-privileges", "--user", "<uid>:<gid>", "-v", "host:container[:ro]",
  ..., "-e", "NAME=value", ..., "-w", workdir, image]``: append the command to run. The user is
  the caller's uid:gid, so what the container writes to the mounts belongs to the instructor
  (podman without root also gets ``--userns keep-id`` to map that uid to itself). Mount the
  sandbox's folder (and what else it needs, read-only) at the *same* path in the container,
  so that ``box.env(...)`` holds there unchanged. ``memory_mb=0`` leaves out the memory flags;
  ``name=None`` leaves out ``--name``. ``remove_container(engine, name)`` runs ``<engine> rm -f
  name``: a container whose client was killed (the grader's time limit) keeps running without
  it, ``--rm`` only removes one that ends.
- ``remove_tree(root)`` removes a folder whatever the student's code did to it (read-only
  folders); nothing if it is already gone.

Why not ``resource.setrlimit(RLIMIT_AS, ...)`` for the memory limit: it caps *virtual* address
space, not memory used, and TensorFlow reserves far more of the first than it uses of the
second. Measured here (TensorFlow 2.21 on CPU, 2 cores): a Python that imports TensorFlow and
trains a small LSTM has 2,752 MB of address space for 725 MB resident. Under an ``RLIMIT_AS`` of
4,096 or 3,072 MB it runs; under 2,048 MB it *aborts* (SIGABRT, exit 134) with ``Check failed:
... Thread dataset-memory-logging-thread creation via pthread_create() failed`` (every thread
reserves its stack in address space), so a kernel that uses a third of the limit dies with a
C++ stack trace instead of a report; under 1,024 MB ``import tensorflow`` raises
``MemoryError``. The reservation grows with the number of cores (a stack and a malloc arena per
thread) and with a GPU (CUDA maps the device's memory into the address space), so no one
number fits every machine. The limit is per process, too, not per tree: a child gets a fresh
allowance. Hence the watchdog on resident memory.

What could not be tested here: the machine has a ``docker`` client but no daemon and no podman,
so the argv is tested against a stand-in ``docker`` script that records its arguments and runs
the command after the image locally (showing the argv is complete and runnable), not against
a real engine: that ``--network none``, ``--memory``, ``--pids-limit`` and the uid mapping
behave as documented, and podman's ``--userns keep-id``, are the engines' documented behaviour,
not measured.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import psutil

from lessons_lib.data import ARCHIVE_ENV, ARCHIVE_NAME

ENGINES = ("docker", "podman")
PIDS_LIMIT = 512
_DROPPED = ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "SSH_AUTH_SOCK", "GPG_AGENT_INFO")
# The instructor's credentials: a student's code could send them anywhere it can reach.
_SECRET = re.compile(r"TOKEN|SECRET|PASSW|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY",
                     re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
_CONTAINER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MB = 2**20
_LEFTOVER_ROUNDS = 10  # a process that keeps forking gets this many sweeps


# --- the sandbox folders and environment -----------------------------------------------------


@dataclass(frozen=True)
class Sandbox:
    """The folders of one submission's run; all under ``root``, removed with it."""

    root: Path
    home: Path
    cache: Path
    tmp: Path
    answers: Path
    work: Path  # the kernel's working folder: the notebook and its data files

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` with every per-user folder moved into this sandbox (see the module's doc)."""
        home, tmp = str(self.home), str(self.tmp)
        env = {name: value for name, value in base.items()
               if name not in _DROPPED and not _SECRET.search(name)}
        archive = _instructors_imdb_archive(base)
        if archive is not None and not env.get(ARCHIVE_ENV):
            env[ARCHIVE_ENV] = str(archive)
        env.update({
            "HOME": home, "TMPDIR": tmp, "TMP": tmp, "TEMP": tmp,
            "XDG_CACHE_HOME": f"{home}/.cache", "XDG_CONFIG_HOME": f"{home}/.config",
            "XDG_DATA_HOME": f"{home}/.local/share", "XDG_STATE_HOME": f"{home}/.local/state",
            "MPLCONFIGDIR": f"{home}/.config/matplotlib", "KERAS_HOME": f"{home}/.keras",
            "IPYTHONDIR": f"{home}/.ipython", "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
            "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
            "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
            "LESSONS_CACHE_DIR": str(self.cache), "LESSONS_ANSWERS_DIR": str(self.answers),
            "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        })
        return env


def _instructors_imdb_archive(base: Mapping[str, str]) -> Path | None:
    """The IMDB archive in the Keras cache of the environment ``base``, if it is there."""
    keras_home = base.get("KERAS_HOME") or (f"{base['HOME']}/.keras" if base.get("HOME") else "")
    if not keras_home:
        return None
    path = Path(keras_home).expanduser() / "datasets" / ARCHIVE_NAME
    return path.resolve() if path.is_file() else None


@contextmanager
def sandbox(parent: Path | None, name: str, seed_cache: Path | None) -> Iterator[Sandbox]:
    """A fresh sandbox under ``parent`` (the system's temp folder if ``None``), its cache
    seeded from ``seed_cache`` (nothing if ``None``); removed afterwards, whatever happens."""
    if parent is not None:
        Path(parent).mkdir(parents=True, exist_ok=True)
    label = _UNSAFE_NAME.sub("_", name)[:40] or "submission"
    root = Path(tempfile.mkdtemp(prefix=f"grade-{label}-", dir=parent)).resolve()
    try:
        box = Sandbox(root, root / "home", root / "cache", root / "tmp", root / "answers",
                      root / "work")
        for folder in (box.home, box.cache, box.tmp, box.answers, box.work):
            folder.mkdir()
        if seed_cache is not None:
            copy_seed(Path(seed_cache), box.cache)
        yield box
    finally:
        stop_leftovers(root)
        remove_tree(root)


@contextmanager
def run_folder(parent: Path | None = None) -> Iterator[Path]:
    """A fresh folder for one grading run's sandboxes, mode 0700 with an unguessable name,
    under ``parent`` (the system's temp folder if ``None``); on the way out the processes left
    pointing into it are killed and it is removed."""
    if parent is not None:
        Path(parent).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="lessons-grading-", dir=parent)).resolve()
    folder.chmod(stat.S_IRWXU)  # mkdtemp's mode already; said here, as it matters
    try:
        yield folder
    finally:
        stop_leftovers(folder)
        remove_tree(folder)


def copy_submission(notebook: Path, work: Path, with_notebook: bool = True) -> Path:
    """Copy the files beside ``notebook`` into ``work``, without any notebook (``*.ipynb``),
    folder or symbolic link, and the notebook itself if ``with_notebook``; return where its
    copy is (or would be).

    A kernel needs no notebook file: the grader sends it the cells. Leaving the notebook out
    of a kernel's working folder keeps it from a neighbour that lists ``/proc/*/cwd``."""
    notebook = Path(notebook)
    for entry in sorted(notebook.parent.iterdir()):
        if not entry.name.endswith(".ipynb") and entry.is_file() and not entry.is_symlink():
            shutil.copy2(entry, work / entry.name)
    if with_notebook:
        shutil.copy2(notebook, work / notebook.name)
    return work / notebook.name


def remove_tree(root: Path) -> None:
    """Remove ``root`` and everything in it, also folders the student's code made read-only;
    nothing when ``root`` is already gone.

    ``rmtree`` removes symbolic links without following them, so what they point at stays.
    """
    if not os.path.lexists(root):
        return
    try:
        shutil.rmtree(root)
    except OSError:
        _make_folders_writable(root)
        shutil.rmtree(root)


def _make_folders_writable(root: Path) -> None:
    """Give the owner every permission on every folder under ``root`` (not through links)."""
    folders = [root]
    while folders:
        folder = folders.pop()
        os.chmod(folder, stat.S_IRWXU)
        with os.scandir(folder) as entries:
            folders += [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]


# --- seeding the cache from the instructor's ------------------------------------------------


class FileState(NamedTuple):
    """What :func:`seed_changes` compares of a seed file."""

    size: int
    mtime_ns: int
    mode: int


def _is_scratch(name: str) -> bool:
    """A lock file or an unfinished atomic write: never shared, never compared."""
    return name.endswith(".lock") or (name.startswith(".") and name.endswith(".tmp"))


def _seed_files(seed: Path) -> Iterator[Path]:
    """The regular files of ``seed`` (recursively), without lock and temporary files."""
    for folder, _subfolders, names in os.walk(seed):
        for name in sorted(names):
            path = Path(folder) / name
            if not _is_scratch(name) and path.is_file() and not path.is_symlink():
                yield path


def copy_seed(seed: Path, cache: Path) -> None:
    """Fill ``cache`` with a copy of ``seed``'s files (not its locks, unfinished writes or
    links), each writable by the owner; ``seed`` is only read."""
    if not seed.exists():
        return  # the instructor has not built anything yet: every chapter starts cold
    if not seed.is_dir():
        raise ValueError(f"expected a folder as the seed cache, but {seed} is a file: give "
                         "the instructor's cache folder (LESSONS_CACHE_DIR) or none")

    def left_out(folder: str, names: list[str]) -> set[str]:
        return {name for name in names
                if _is_scratch(name) or os.path.islink(os.path.join(folder, name))}

    shutil.copytree(seed.resolve(), cache, ignore=left_out, copy_function=_copy_if_there,
                    dirs_exist_ok=True)
    _make_writable(cache)


def _copy_if_there(source: str, target: str) -> None:
    """``shutil.copy2``, skipping a file the instructor's own build removed meanwhile."""
    try:
        shutil.copy2(source, target)
    except FileNotFoundError:
        pass


def _make_writable(root: Path) -> None:
    """Give the owner write permission on everything under ``root`` (a copy keeps the seed's
    modes, and a read-only seed folder would block the course's writes into the copy)."""
    for folder, _subfolders, names in os.walk(root):
        for path in [folder, *(os.path.join(folder, name) for name in names)]:
            os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR
                     | (stat.S_IRWXU if os.path.isdir(path) else 0))


def seed_manifest(seed: Path) -> dict[str, FileState]:
    """Size, modification time and mode of every file of ``seed``, by relative path."""
    if not Path(seed).is_dir():
        return {}
    states = {}
    for path in _seed_files(Path(seed)):
        info = path.stat()
        states[path.relative_to(seed).as_posix()] = FileState(
            info.st_size, info.st_mtime_ns, stat.S_IMODE(info.st_mode))
    return states


def seed_changes(seed: Path, manifest: Mapping[str, FileState]) -> list[str]:
    """One sentence for each file of ``seed`` changed, removed or added since ``manifest``."""
    now = seed_manifest(seed)
    changes = []
    for name in sorted(manifest.keys() | now.keys()):
        before, after = manifest.get(name), now.get(name)
        if after is None:
            changes.append(f"{name} was removed from the seed cache {seed}.")
        elif before is None:
            changes.append(f"{name} was added to the seed cache {seed}.")
        elif before.mode != after.mode:
            changes.append(f"{name} in the seed cache {seed} had its mode changed from "
                           f"{before.mode:o} to {after.mode:o}.")
        elif before != after:
            changes.append(f"{name} in the seed cache {seed} was rewritten "
                           f"({before.size} bytes before, {after.size} after).")
    return changes


# --- processes left behind ------------------------------------------------------------------


def stop_leftovers(folder: Path) -> int:
    """Kill every process of this user (but this one and its ancestors) whose environment,
    working folder or open files point into ``folder``; return how many were killed."""
    folder_text = str(Path(folder).resolve())
    spared = {os.getpid(), *(parent.pid for parent in psutil.Process().parents())}
    killed: set[int] = set()
    for _round in range(_LEFTOVER_ROUNDS):
        found = [process for process in psutil.process_iter()
                 if process.pid not in spared and _points_into(process, folder_text)]
        if not found:
            break
        for process in found:  # stopped first, so none forks while its siblings are killed
            _signal(process, "suspend")
        for process in found:
            _signal(process, "kill")
        killed.update(process.pid for process in found)
        _wait_gone(found, timeout=5.0)
    return len(killed)


def _points_into(process: psutil.Process, folder: str) -> bool:
    """Whether ``process`` is this user's and its environment, working folder or open files
    name ``folder`` or something in it; ``False`` for a process gone or not ours to read."""
    def inside(path: str) -> bool:
        return path == folder or path.startswith(folder + os.sep)

    try:
        if process.uids().real != os.getuid() or process.status() == psutil.STATUS_ZOMBIE:
            return False
        return (inside(process.cwd())
                or any(folder in value for value in process.environ().values())
                or any(inside(opened.path) for opened in process.open_files()))
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _signal(process: psutil.Process, action: str) -> None:
    """``process.suspend()`` or ``process.kill()``, unless it is already gone."""
    try:
        getattr(process, action)()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass


def _wait_gone(processes: list[psutil.Process], timeout: float) -> None:
    """Wait until every process is gone or a zombie (whose parent may never reap it)."""
    deadline = time.monotonic() + timeout
    for process in processes:
        while time.monotonic() < deadline:
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)


# --- the memory limit ------------------------------------------------------------------------


class MemoryWatch:
    """Kill this process's descendants when their summed resident memory passes a limit.

    A context manager running a daemon thread; ``limit_mb=0`` only measures ``peak_mb``.
    """

    def __init__(self, limit_mb: float, interval: float = 0.25) -> None:
        if limit_mb < 0 or interval <= 0:
            raise ValueError(f"expected a limit >= 0 MB (0: none) and an interval > 0 s, got "
                             f"{limit_mb!r} MB and {interval!r} s")
        self.limit_mb, self.interval = limit_mb, interval
        self.peak_mb = 0.0
        self.exceeded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="memory-watch", daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        """A sentence for the report when the limit stopped the kernel, else ``""``."""
        if not self.exceeded:
            return ""
        return (f"the notebook's processes used more than {self.limit_mb:g} MB (the memory "
                "limit) and were stopped")

    def _watch(self) -> None:
        """Sample until stopped; kill the tree once it is over the limit."""
        while not self._stop.wait(self.interval):
            processes = psutil.Process().children(recursive=True)
            used_mb = sum(_rss(process) for process in processes) / _MB
            self.peak_mb = max(self.peak_mb, used_mb)
            if self.limit_mb and used_mb > self.limit_mb:
                self.exceeded = True
                _kill(processes)


def _rss(process: psutil.Process) -> int:
    """The resident memory of ``process`` in bytes; 0 if it is gone or not ours to read."""
    try:
        return process.memory_info().rss
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def _kill(processes: list[psutil.Process]) -> None:
    """SIGKILL every process, children before parents (``children()`` lists parents first),
    so no parent lives to restart a child.

    No waiting for them here: waiting reaps a direct child, and its exit status belongs to
    whoever started it (the kernel manager, which then reports the kernel dead).
    """
    for process in reversed(processes):
        try:
            process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass


# --- containers ------------------------------------------------------------------------------


def find_engine(preferred: str | None = None) -> str:
    """``"docker"`` or ``"podman"``: the first on ``PATH`` that answers ``<engine> info``."""
    if preferred is not None and preferred not in ENGINES:
        raise ValueError(f"expected --engine docker or podman, got {preferred!r}")
    problems = []
    for engine in (preferred,) if preferred else ENGINES:
        if shutil.which(engine) is None:
            problems.append(f"{engine} is not installed (not on PATH)")
            continue
        try:
            answer = subprocess.run([engine, "info"], capture_output=True, text=True,
                                    timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"`{engine} info` failed ({exc})")
            continue
        if answer.returncode == 0:
            return engine
        said = (answer.stderr or answer.stdout).strip().splitlines()
        problems.append(f"`{engine} info` failed ({said[-1] if said else answer.returncode})")
    raise ValueError(f"--container needs a running container engine, but {'; '.join(problems)}. "
                     "Install and start Docker or Podman, or grade without --container.")


def container_argv(engine: str, image: str, mounts: list[tuple[Path, Path, bool]],
                   memory_mb: int, workdir: Path, env: Mapping[str, str] | None = None,
                   name: str | None = None) -> list[str]:
    """The command line that runs a command in ``image`` with no network, the caller's user,
    no capabilities, at most ``memory_mb`` MB (``0``: no limit) and ``PIDS_LIMIT`` processes.

    ``mounts`` are ``(host path, container path, read_only)``; ``name`` names the container
    (for :func:`remove_container`); append the command to the list.
    """
    if engine not in ENGINES:
        raise ValueError(f"expected the engine docker or podman, got {engine!r}")
    if not image or image.startswith("-"):
        raise ValueError(f"expected the name of a container image, got {image!r}")
    if memory_mb < 0:
        raise ValueError(f"expected a memory limit >= 0 MB (0: none), got {memory_mb!r}")
    if name is not None and not _CONTAINER_NAME.fullmatch(name):
        raise ValueError(f"expected a container name of letters, digits, '_', '.' and '-', "
                         f"got {name!r}")
    argv = [engine, "run", "--rm", "-i", *(["--name", name] if name else []),
            "--network", "none"]
    if memory_mb:
        argv += ["--memory", f"{memory_mb}m", "--memory-swap", f"{memory_mb}m"]
    argv += ["--pids-limit", str(PIDS_LIMIT), "--cap-drop", "ALL",
             "--security-opt", "no-new-privileges", "--user", f"{os.getuid()}:{os.getgid()}"]
    if engine == "podman" and os.geteuid() != 0:
        argv += ["--userns", "keep-id"]  # rootless podman would map our uid to another
    for host, inside, read_only in mounts:
        argv += ["-v", f"{_mount_path(host)}:{_mount_path(inside)}" + (":ro" if read_only else "")]
    for name, value in (env or {}).items():
        argv += ["-e", f"{name}={value}"]
    return [*argv, "-w", _mount_path(workdir), image]


def remove_container(engine: str, name: str) -> None:
    """``<engine> rm -f name``: stop and remove the container, if it is still there (its
    client was killed, say); never raises, as the grading goes on either way."""
    try:
        subprocess.run([engine, "rm", "-f", name], capture_output=True, timeout=60,
                       check=False)
    except (OSError, subprocess.TimeoutExpired):
        return


def _mount_path(path: Path) -> str:
    """``path`` as a string ``-v`` can hold: absolute, without the ``:`` that separates."""
    text = str(path)
    if not Path(path).is_absolute() or ":" in text or "," in text:
        raise ValueError(f"expected an absolute path without ':' or ',' for a container "
                         f"mount, got {text!r}: move the folder, or give its absolute path")
    return text
