"""How long ``lessons_lib.data.load_imdb`` takes: a cold load and a warm (cached) load.

Each load runs in a fresh Python process, the way a reader's notebook starts, and the time is
measured inside it from before ``import lessons_lib.data`` to the arrays in hand. The cold load
gets an empty cache folder (it reads and tokenizes the archive); the warm loads reuse it.

Needs the archive: set ``LESSONS_IMDB_ARCHIVE`` (or have it in the Keras cache). Run as a
script to print a table; ``run()`` returns the rows for ``benchmarks/run.py``. This is a
measurement, not a test: a slow machine does not fail it, it reports ``ok: False``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

GOALS_S = {"cold": 20.0, "warm": 2.0}
ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, time
wall, cpu = time.perf_counter(), time.process_time()
from lessons_lib.data import load_imdb
(x_train, y_train), (x_test, y_test) = load_imdb(vocab_size={vocab_size}, max_len={max_len})
print(json.dumps({{
    "seconds": time.perf_counter() - wall,
    "cpu_seconds": time.process_time() - cpu,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "shape": list(x_train.shape),
}}))
"""


def _load_in_fresh_process(cache: Path, vocab_size: int, max_len: int) -> dict:
    """Run one load in a new interpreter with ``cache`` as the cache folder; its measurements."""
    env = dict(os.environ, LESSONS_CACHE_DIR=str(cache))
    code = _CHILD.format(vocab_size=vocab_size, max_len=max_len)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the load failed:\n{done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(warm_repeats: int = 3) -> list[dict]:
    """One cold load, then ``warm_repeats`` warm loads (and one with other sizes), as rows."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="lessons-bench-") as tmp:
        cache = Path(tmp)
        cases = [("cold", 1000, 100)] + [("warm", 1000, 100)] * warm_repeats \
            + [("warm", 10000, 500)]
        for kind, vocab_size, max_len in cases:
            result = _load_in_fresh_process(cache, vocab_size, max_len)
            rows.append({
                "benchmark": "imdb_load",
                "case": f"{kind} vocab_size={vocab_size} max_len={max_len}",
                "seconds": round(result["seconds"], 3),
                "cpu_seconds": round(result["cpu_seconds"], 3),
                "peak_rss_mb": round(result["peak_rss_mb"], 1),
                "goal_seconds": GOALS_S[kind],
                "ok": result["seconds"] <= GOALS_S[kind],
                "load_average_1min": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
            })
    return rows


def _table(rows: list[dict]) -> str:
    header = f"{'case':<34}{'wall s':>8}{'cpu s':>8}{'RSS MB':>8}{'goal s':>8}  ok  load"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['case']:<34}{r['seconds']:>8.2f}{r['cpu_seconds']:>8.2f}"
                     f"{r['peak_rss_mb']:>8.0f}{r['goal_seconds']:>8.0f}  "
                     f"{'yes' if r['ok'] else 'NO ':<3} {r['load_average_1min']:.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(_table(run()))
