"""How long the grader takes on a class: 30 copies of a chapter graded into a gradebook.

The class is made from the book: each copy is the chapter's student edition
(``lessons_lib.tooling.student_edition``) handed in by ``student01``, ``student02``, ... in
``subs/<student>/<chapter>.ipynb``, with a roster. The copies cycle through five kinds:

- ``solved``: every stub replaced by the book's solution, every written part answered;
- ``wrong``: every stub's ``raise NotImplementedError`` replaced by ``return 0`` (a value stub
  ``= None`` by ``= 0``);
- ``stub``: handed in untouched;
- ``half``: the first half of the exercises solved, the others untouched;
- ``solved`` again (so that 2 in 5 copies are right).

The grader runs as an instructor would run it, in a process of its own:
``python -m lessons_lib.tooling.grade --jobs 2 --roster ... --csv ... --gradescope ... --json``.
Recorded: the wall time, the time per submission, the peak resident memory of the grader and
everything it starts (its workers, the students' kernels, the verdict processes; polled every
0.2 s by ``lessons_lib.tooling.book_cache.PeakRSS``), and whether the gradebook came out whole
(a CSV row and a ``results.json`` per student) and right (full marks for the solved copies,
none for the stubs).

    python benchmarks/grading.py                        # 30 copies of 02_numpy_rnn
    python benchmarks/grading.py --copies 3 --chapter 01_recurrence

The rows are printed and saved to ``benchmarks/results/grading.json``; the class (notebooks,
gradebook, Gradescope files) is kept in a temporary folder named at the end. ``run()``
returns the rows. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ("solved", "wrong", "stub", "half", "solved")
DEFAULT_CHAPTER = "02_numpy_rnn"
WRITTEN = "The share grows with the scale; saturated units pass almost no gradient."
_STUB_RAISE = re.compile(r"^(\s*)raise NotImplementedError.*$", re.MULTILINE)
_STUB_NONE = re.compile(r"=\s*None(\s*#\s*YOUR CODE HERE)", re.MULTILINE)


def answered(book_nb: nbformat.NotebookNode, kind: str) -> nbformat.NotebookNode:
    """The book's chapter with its stubs answered as a student of ``kind`` would."""
    from lessons_lib.tooling.notebooks import exercise_stubs, is_written_answer, solution_code

    nb = nbformat.from_dict(book_nb)  # a copy
    stubs, solutions = exercise_stubs(nb), solution_code(nb)
    labels = list(stubs)  # exercises with only a written part have no stub to fill in
    solve = {"solved": labels, "half": labels[: len(labels) // 2]}.get(kind, [])
    for label, stub in stubs.items():
        if label in solve:
            stub.source = solutions[label]
        elif kind == "wrong":
            stub.source = _STUB_NONE.sub(r"= 0\1", _STUB_RAISE.sub(r"\1return 0", stub.source))
    if kind != "stub":
        for cell in nb.cells:
            if is_written_answer(cell):
                cell.source = f"{cell.source.rstrip()} {WRITTEN}"
    return nb


def make_class(folder: Path, chapter: str, copies: int) -> dict[str, str]:
    """Write ``copies`` hand-ins of ``chapter`` and a roster to ``folder``; student to kind."""
    from lessons_lib.tooling.book_cache import cache_path
    from lessons_lib.tooling.colab_edition import (
        PlaceholderValues,
        book_index,
        chapter_values,
        read_book,
    )
    from lessons_lib.tooling.notebooks import write_notebook
    from lessons_lib.tooling.student_edition import student_notebook

    book = read_book(ROOT / "book")
    if chapter not in book:
        raise ValueError(f"expected a chapter of the book ({', '.join(book)}), got {chapter!r}")
    index = book_index(book, ROOT / "_config.yml")
    index.relative_links = True
    try:
        values = chapter_values(book[chapter], ROOT / "book" / f"{chapter}.ipynb",
                                cache_path(ROOT / "_config.yml"))
    except ValueError as exc:
        print(f"(the book's cache has no current copy of {chapter}, so its prose quotes "
              f"placeholders: {exc})", flush=True)
        values = PlaceholderValues("(value)")
    kinds = {f"student{i + 1:02d}": KINDS[i % len(KINDS)] for i in range(copies)}
    lines = ["notebook,student"]
    for student, kind in kinds.items():
        nb = student_notebook(answered(book[chapter], kind), chapter, index, values)
        write_notebook(nb, folder / "subs" / student / f"{chapter}.ipynb")
        lines.append(f"subs/{student}/{chapter}.ipynb,{student}")
    (folder / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kinds


def grade_class(folder: Path, chapter: str, jobs: int) -> tuple[float, int, str]:
    """Run the grader on the class in ``folder``; its wall time, peak memory (bytes), output."""
    from lessons_lib.tooling.book_cache import PeakRSS

    notebooks = sorted(str(p.relative_to(folder)) for p in folder.glob(f"subs/*/{chapter}.ipynb"))
    command = [sys.executable, "-m", "lessons_lib.tooling.grade", "--jobs", str(jobs),
               "--roster", "roster.csv", "--csv", "gradebook.csv", "--gradescope", "gradescope",
               "--json", *notebooks]
    start = time.perf_counter()
    with PeakRSS() as peak:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    (folder / "grader.out").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode not in (0, 1):  # 1: not every exercise passed, as expected
        raise RuntimeError(f"the grader failed (exit {done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds, peak.peak, done.stdout


def check_gradebook(folder: Path, kinds: dict[str, str]) -> dict[str, object]:
    """Whether the CSV and the Gradescope files are whole and score the kinds as expected."""
    with (folder / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    results = sorted((folder / "gradescope").glob("*/results.json"))
    if len(kinds) == 1:  # one student: results.json in the folder itself
        results = [folder / "gradescope" / "results.json"]
    full = [s for s, k in kinds.items() if k == "solved"]
    none = [s for s, k in kinds.items() if k in {"stub", "wrong"}]
    gradescope = {student: json.loads(p.read_text(encoding="utf-8")) for student, p in zip(
        sorted(kinds) if len(kinds) == 1 else [p.parent.name for p in results], results,
        strict=True)}
    return {
        "csv_rows": len(rows),
        "results_json": len(results),
        "solved_full_marks": all(rows[s]["total"] == rows[s]["out_of"] for s in full),
        "stub_and_wrong_zero": all(rows[s]["total"] == "0" for s in none),
        "csv_matches_gradescope": all(
            float(rows[s]["total"]) == gradescope[s]["score"] for s in gradescope),
    }


def run(copies: int = 30, chapter: str = DEFAULT_CHAPTER, jobs: int = 2,
        keep: Path | None = None) -> list[dict[str, object]]:
    """Make a class of ``copies``, grade it ``jobs`` at a time; one row of measurements."""
    folder = keep or Path(tempfile.mkdtemp(prefix="grading-bench-"))
    kinds = make_class(folder, chapter, copies)
    seconds, peak, _ = grade_class(folder, chapter, jobs)
    row: dict[str, object] = {
        "benchmark": "grade a class", "chapter": chapter, "copies": copies, "jobs": jobs,
        "seconds": round(seconds, 1), "seconds_per_submission": round(seconds / copies, 1),
        "peak_rss_mb": round(peak / 1e6),
        **check_gradebook(folder, kinds),
        "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "class_folder": str(folder),
    }
    return [row]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=30, help="students in the class (30)")
    parser.add_argument("--chapter", default=DEFAULT_CHAPTER,
                        help=f"the chapter they hand in ({DEFAULT_CHAPTER})")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at a time (2)")
    args = parser.parse_args(argv)
    if args.copies < 1 or args.jobs < 1:
        parser.error(f"expected --copies and --jobs of 1 or more, got {args.copies} and "
                     f"{args.jobs}")
    rows = run(args.copies, args.chapter, args.jobs)
    out = ROOT / "benchmarks" / "results" / "grading.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    for key, value in rows[0].items():
        print(f"{key:<24}{value}")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
