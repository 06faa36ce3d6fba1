"""How long ``make test`` takes on a fresh clone, stage by stage, cold and then warm.

The committed ``HEAD`` is cloned into a temporary folder and ``make test``'s stages run there
one after another, each timed (``make preflight``, the virtual environment, ``lint``,
``unit``, ``notebooks``, ``editions``, ``book``, ``browser``), with the environment
``.ci/run`` sets up:

- **cold**: a new clone with no ``.venv`` and an empty ``LESSONS_CACHE_DIR`` and book cache,
  as on a fresh CI machine (pip may still find wheels in its own cache, which CI's machine
  has not: the row ``venv`` is then shorter than on CI);
- **warm**: ``make test`` again in the same clone, every cache in place.

Goal: the cold run in at most 15 minutes on the 2-core machine. Run it as a script (about
20 minutes): ``python benchmarks/ci.py`` (``--json PATH`` also saves the rows; ``--keep`` keeps
the clone). ``run()`` returns the rows. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stages() -> list[str]:
    """The stages of ``make test`` as the Makefile lists them, with the venv timed apart."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test = next(line for line in makefile.splitlines() if line.startswith("test:"))
    names = test.split(":", 1)[1].split()
    return names[:1] + [".venv/bin/.installed"] + names[1:]


GOAL_S = 15 * 60.0


def _stage(clone: Path, target: str, env: dict[str, str]) -> float:
    """Run ``make target`` in the clone; return its wall time (raise if it fails)."""
    start = time.perf_counter()
    result = subprocess.run(["make", target], cwd=clone, env=env, capture_output=True,
                            text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"make {target} failed after {seconds:.0f} s:\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds


def run(keep: bool = False, runs: tuple[str, ...] = ("cold", "warm")) -> list[dict[str, object]]:
    """Clone HEAD, run make test's stages cold and warm; one row per stage and run."""
    work = Path(tempfile.mkdtemp(prefix="ci-bench-"))
    clone = work / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = {**os.environ, "LESSONS_CACHE_DIR": str(work / "lessons-cache")}
    archive = ROOT.parent / "shared" / "data" / "aclImdb_v1.tar.gz"
    if "LESSONS_IMDB_ARCHIVE" not in env and archive.is_file():
        env["LESSONS_IMDB_ARCHIVE"] = str(archive)
    rows: list[dict[str, object]] = []
    try:
        for kind in runs:
            total = 0.0
            for target in stages():
                seconds = _stage(clone, target, env)
                total += seconds
                name = "venv" if target.startswith(".venv") else target
                rows.append({"run": kind, "stage": name, "seconds": round(seconds, 1)})
                print(f"{kind:5s} {name:10s} {seconds:7.1f} s", flush=True)
            rows.append({"run": kind, "stage": "make test", "seconds": round(total, 1),
                         "goal_s": GOAL_S if kind == "cold" else None,
                         "ok": total <= GOAL_S if kind == "cold" else None})
            print(f"{kind:5s} {'make test':10s} {total:7.1f} s", flush=True)
    finally:
        if keep:
            print(f"the clone is kept in {clone}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also save the rows as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the clone afterwards")
    parser.add_argument("--cold-only", action="store_true", help="skip the warm run")
    args = parser.parse_args(argv)
    rows = run(keep=args.keep, runs=("cold",) if args.cold_only else ("cold", "warm"))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
