"""Run the course's benchmarks and print one table per topic, headed by the machine they ran on.

    python benchmarks/run.py                       # every topic but ci
    python benchmarks/run.py --only data,training  # some topics
    python benchmarks/run.py --only training --reproduce   # the slow multi-seed reproduction
    python benchmarks/run.py --only ci             # make test on a fresh clone, cold and warm

Each topic is a module beside this file with a ``run() -> list[dict]`` function; its rows are
printed as a table, and the whole report is also written as Markdown to
``benchmarks/results/latest.md`` (not committed) for pasting into the README.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOPICS = {
    "data": "data_load",
    "training": "training",
    "stronger": "stronger",
    "seq2seq": "seq2seq",
    "char_lm": "char_lm",
    "build": "build",
    "ci": "ci",
}
# Run unless --only says otherwise; "ci" (make test on a fresh clone, ~20 minutes) only on request.
DEFAULT_TOPICS = ["data", "training", "stronger", "char_lm", "seq2seq", "build"]


def machine() -> str:
    """One line naming the processor, cores, memory and software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        pass
    versions = f"Python {platform.python_version()}"
    try:
        from importlib.metadata import version

        versions += f", TensorFlow {version('tensorflow')}, Keras {version('keras')}"
    except Exception:  # noqa: BLE001 - versions are informative only
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}; {versions}"


def load_topic(module_name: str):
    """Import a benchmark module from this folder by file name."""
    spec = importlib.util.spec_from_file_location(module_name, HERE / f"{module_name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def markdown_table(rows: list[dict]) -> str:
    """Rows of dicts as a Markdown table, columns in first-seen order."""
    if not rows:
        return "(no rows)"
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]

    def cell(value) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(DEFAULT_TOPICS),
                        help=f"comma-separated topics among {', '.join(TOPICS)}")
    parser.add_argument("--reproduce", action="store_true",
                        help="training: train every model with several seeds (slow)")
    args = parser.parse_args(argv)
    chosen = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in TOPICS]
    if unknown:
        parser.error(f"unknown topic(s) {unknown}; choose among {list(TOPICS)}")

    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    report = [f"Machine: {machine()}", f"Date: {date}"]
    print("\n".join(report), flush=True)
    for topic in chosen:
        module = load_topic(TOPICS[topic])
        kwargs = {"reproduce": True} if topic == "training" and args.reproduce else {}
        start = time.perf_counter()
        rows = module.run(**kwargs)
        section = f"\n## {topic} ({time.perf_counter() - start:.0f} s)\n\n{markdown_table(rows)}"
        print(section, flush=True)
        report.append(section)
    out = HERE / "results" / "latest.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(report) + "\n")
    print(f"\nwritten to {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
