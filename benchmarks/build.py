"""How long the whole book takes to build, cold and warm, and each chapter's peak kernel memory.

The book's sources (``book/``, ``_config.yml``, ``_toc.yml``, ``_ext/``) are copied to a
temporary folder and built there with the same command as ``make book`` (``jupyter-book build
-W -n --keep-going``), so the repository's own ``_build`` is left alone:

- **cold**: empty build folder and jupyter-cache, and an empty ``LESSONS_CACHE_DIR`` (no
  tokenized data, no trained model): every chapter is executed from scratch, as on a fresh CI
  machine. Goal: 12 minutes on the 2-core machine.
- **warm**: the same build again with every cache in place; nothing is executed. Goal: 90 s.
- **prose edit**: one markdown cell of the first chapter changed: its code hash is the same, so
  the chapter is re-rendered from the cache, not executed.

Per chapter, the execution time and the kernel's peak resident memory (kernel plus children,
sampled every 0.2 s) are those the cold build recorded in its jupyter-cache
(``_ext/parallel_execute.py``). Goal: 1.5 GB, so a chapter runs within Binder's 2 GB.

Run as a script to print a table (``--json PATH`` also saves it); ``run()`` returns the rows.
A measurement, not a test: a slow machine does not fail it, a row says ``ok: False``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["book", "_config.yml", "_toc.yml", "_ext"]
GOALS_S = {"cold": 12 * 60.0, "warm": 90.0, "prose edit": 90.0}
CHAPTER_GOAL_BYTES = 1.5e9


def _copy_sources(dest: Path, toc: Path | None = None) -> Path:
    """Copy what the book is built from into ``dest`` (no outputs, no caches).

    ``toc``: a table of contents to use instead of the book's ``_toc.yml``.
    """
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "_build", ".ipynb_checkpoints", "__pycache__"))
        else:
            shutil.copy(src, dest / name)
    if toc is not None:
        shutil.copy(toc, dest / "_toc.yml")
    return dest


def _build(book: Path, env: dict[str, str]) -> float:
    """Build ``book`` like ``make book``; return the wall time in seconds, raise on failure."""
    jb = Path(sys.executable).with_name("jupyter-book")
    start = time.perf_counter()
    result = subprocess.run([str(jb), "build", str(book), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"build of {book} failed (exit {result.returncode}):\n"
                           f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return seconds


def _edit_prose(book: Path) -> str:
    """Change one markdown cell of the first chapter; return the chapter's name."""
    chapter = sorted((book / "book").glob("*.ipynb"))[0]
    notebook = nbformat.read(chapter, as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "markdown")
    cell.source += "\n\n(An edit of the prose, made by the build benchmark.)"
    nbformat.write(notebook, chapter)
    return chapter.stem


def chapter_rows(book: Path) -> list[dict]:
    """Execution time and peak kernel memory of each chapter, from the build's jupyter-cache."""
    from jupyter_cache import get_cache

    cache = get_cache(str(book / "_build" / ".jupyter_cache"))
    rows = []
    for record in sorted(cache.list_cache_records(), key=lambda r: Path(r.uri).name):
        peak = record.data.get("peak_rss_bytes")
        rows.append({
            "what": f"chapter {Path(record.uri).stem}",
            "seconds": round(record.data.get("execution_seconds", float("nan")), 1),
            "peak_rss_mb": None if peak is None else round(peak / 1e6),
            "goal": f"<= {CHAPTER_GOAL_BYTES / 1e6:.0f} MB",
            "ok": None if not peak else peak <= CHAPTER_GOAL_BYTES,
        })
    return rows


def machine() -> str:
    """The machine the figures were measured on, in one line."""
    try:
        import psutil
        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        memory = ""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return (f"{cpu}, {os.cpu_count()} CPUs{memory}, "
            f"Python {platform.python_version()}")


def run(keep: Path | None = None, toc: Path | None = None) -> list[dict]:
    """Build the book cold, warm and after a prose edit; return one row per build and chapter.

    ``keep``: build there (it must not exist) and leave it, instead of a temporary folder.
    ``toc``: build the chapters this ``_toc.yml`` lists instead of the book's.
    """
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        book = _copy_sources(work / "book-src", toc)
        env = {**os.environ, "LESSONS_BOOK_BUILD": "1",
               "LESSONS_CACHE_DIR": str(work / "lessons-cache")}
        rows = []
        for phase in ("cold", "warm", "prose edit"):
            note = ""
            if phase == "prose edit":
                note = f"edited {_edit_prose(book)}"
            seconds = _build(book, env)
            rows.append({"what": f"build {phase}", "seconds": round(seconds, 1),
                         "goal": f"<= {GOALS_S[phase]:.0f} s", "ok": seconds <= GOALS_S[phase],
                         "note": note})
            if phase == "cold":
                chapters = chapter_rows(book)
        return rows + chapters


def _table(rows: list[dict]) -> str:
    lines = [f"{'what':<34}{'seconds':>9}{'peak MB':>9}  {'goal':<12}ok"]
    for row in rows:
        peak = row.get("peak_rss_mb")
        lines.append(f"{row['what']:<34}{row['seconds']:>9}{'' if peak is None else peak:>9}  "
                     f"{row['goal']:<12}{row['ok']}  {row.get('note', '')}".rstrip())
    return "\n".join(lines)


def main() -> None:
    """Print the table; with ``--json PATH`` also write the rows and the machine there."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it")
    parser.add_argument("--toc", type=Path, default=None, help="another _toc.yml to build")
    args = parser.parse_args()
    load = os.getloadavg()
    rows = run(args.keep, args.toc)
    # Other work on the machine slows the builds down: say how busy it was when they started.
    print(f"machine: {machine()}; load average at start {load[0]:.1f} (1 min)")
    print(_table(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine(), "load_at_start": load[0],
                                         "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
