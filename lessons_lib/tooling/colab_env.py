"""Run every chapter of the Colab edition the way Colab runs it, in a Colab-like environment.

``python -m lessons_lib.tooling.colab_env`` (``make colab``):

1. creates a virtual environment holding exactly Colab's packages (``colab_runtime.txt``: no
   jupyter-book, no myst-nb, no ``lessons_lib``) on Colab's Python version where this machine
   has it (``--python``; otherwise this interpreter, and the report says so);
2. lays a local git repository holding the course's package, standing in for the course's
   repository, and writes the Colab edition with its setup cell pointed there;
3. checks statically that every module each chapter imports, directly or through
   ``lessons_lib``, is covered: standard library, Colab's packages, ``lessons_lib`` or a
   package the chapter's setup cell installs (imports guarded by ``except ImportError`` are
   optional and not counted);
4. runs the setup cell once with an address that does not exist, and checks that it stops
   with its one clear sentence;
5. opens each chapter alone in an empty folder and runs it top to bottom in a fresh kernel
   of that environment, as a reader's session (progress bars, widgets, TensorFlow's logs:
   not the compact output of a book build); the first chapter's setup cell installs
   ``lessons_lib`` from the local repository, and the others find it installed (the course's
   model cache may be warm: in ``make test`` it holds the models the ``notebooks`` stage
   trained, which Colab's minor versions of Keras and TensorFlow reuse,
   ``lessons_lib.cache.weights_layout``; with an empty cache every model trains in Colab's
   versions);
6. reports each chapter's time, peak kernel memory, errors, and the claims of the text that
   this run's numbers do not bear out (the Colab edition reports those instead of stopping:
   ``colab_edition.soft_claims``), as a table and in ``report.json``; exits 1 when any
   chapter failed.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from lessons_lib.tooling import book_cache, colab_edition, grade, setup_cells
from lessons_lib.tooling.book_cache import PeakRSS
from lessons_lib.tooling.dependencies import third_party_imports
from lessons_lib.tooling.notebooks import parse_cell, write_notebook

RUNTIME = setup_cells.COLAB_RUNTIME
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", "lessons_lib")
BAD_ADDRESS = "file:///nonexistent/no-such-course"
CELL_TIMEOUT = 1200
CHAPTER_TIMEOUT = 2400
# What the grader needs in a chapter's kernel beyond Colab's packages: check() hands each answer
# to the clean verdict process with cloudpickle (a reader's Colab never runs that path).
GRADER_NEEDS = ("cloudpickle>=3.0",)


@dataclass
class ChapterRun:
    """How one chapter ran in the Colab-like environment."""

    chapter: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    execution: str = ""
    errors: list[str] = field(default_factory=list)
    # Claims of the text that this run's numbers do not bear out (colab_edition.soft_claims).
    differs: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.execution == grade.Execution.COMPLETED and not self.errors


# --- the environment ------------------------------------------------------------------------


def colab_python_version(runtime: Path = RUNTIME) -> str:
    """The Python version Colab ran (the ``# python_version:`` line of the runtime file)."""
    for line in runtime.read_text(encoding="utf-8").splitlines():
        if line.startswith("# python_version:"):
            return line.split(":", 1)[1].strip()
    raise ValueError(f"{runtime}: expected a '# python_version: X.Y' line")


def _version_of(python: str) -> str | None:
    """``X.Y`` of the interpreter ``python``, or None if it does not run."""
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def find_python(version: str) -> str | None:
    """An interpreter of Python ``version``: ``pythonX.Y`` on PATH, or one pyenv installed."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pattern = f"versions/{version}*/bin/python{version}"
    candidates += sorted(str(p) for p in pyenv_root.glob(pattern))
    for candidate in filter(None, candidates):
        if _version_of(candidate) == version:
            return candidate
    return None


def environment(env_dir: Path, python: str, runtime: Path = RUNTIME) -> Path:
    """A virtual environment at ``env_dir`` holding the packages of ``runtime``; its Python.

    An environment made before from the same file and interpreter is reused, less the
    ``lessons_lib`` that an earlier run's setup cell installed: Colab starts without it.
    """
    stamp = hashlib.sha256(runtime.read_bytes() + python.encode()
                           + " ".join(GRADER_NEEDS).encode()).hexdigest()
    marker = env_dir / ".colab-runtime"
    env_python = env_dir / "bin" / "python"
    if marker.is_file() and marker.read_text() == stamp and env_python.exists():
        subprocess.run([str(env_python), "-I", "-m", "pip", "uninstall", "--quiet", "--yes",
                        "lessons_lib"], check=True, capture_output=True)
        return env_python
    shutil.rmtree(env_dir, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True)
    subprocess.run([str(env_python), "-I", "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "-r", str(runtime), *GRADER_NEEDS],
                   check=True)
    marker.write_text(stamp)
    return env_python


def local_repository(source: Path, folder: Path, branch: str = "main") -> str:
    """A git repository in ``folder`` with the course's package, committed on ``branch``.

    Returns the address to give the setup cell (``install_spec`` adds the ``.git``).
    """
    repo = folder / "rnn-book.git"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PACKAGE_FILES:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, repo / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, repo / name)
    git = ["git", "-C", str(repo), "-c", "user.name=course", "-c", "user.email=course@localhost"]
    subprocess.run([*git, "init", "--quiet", "--initial-branch", branch], check=True)
    subprocess.run([*git, "add", "--all"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "lessons_lib for the Colab test"],
                   check=True)
    return f"file://{repo.with_suffix('')}"


def environment_modules(env_python: Path) -> tuple[set[str], dict[str, list[str]]]:
    """The environment's standard-library module names and its module -> distributions map."""
    script = ("import importlib.metadata, json, sys; print(json.dumps([sorted("
              "sys.stdlib_module_names), importlib.metadata.packages_distributions()]))")
    out = subprocess.run([str(env_python), "-I", "-c", script], capture_output=True, text=True,
                         check=True)
    stdlib, owners = json.loads(out.stdout)
    return set(stdlib), owners


# --- what a chapter imports -----------------------------------------------------------------


def optional_imports(source: str) -> set[str]:
    """Top-level modules ``source`` imports only inside ``try`` blocks that catch ImportError."""
    tree = parse_cell(source)
    optional: set[str] = set()
    for node in ast.walk(tree) if tree is not None else []:
        if not isinstance(node, ast.Try):
            continue
        caught = {getattr(h.type, "id", None) for h in node.handlers} | {
            getattr(e, "id", None) for h in node.handlers if isinstance(h.type, ast.Tuple)
            for e in h.type.elts}
        if not caught & {"ImportError", "ModuleNotFoundError"}:
            continue
        for inner in (n for stmt in node.body for n in ast.walk(stmt)):
            if isinstance(inner, ast.Import):
                optional |= {alias.name.split(".")[0] for alias in inner.names}
            elif isinstance(inner, ast.ImportFrom) and inner.module and not inner.level:
                optional.add(inner.module.split(".")[0])
    return optional


def uncovered_imports(nb: nbformat.NotebookNode, path: Path, stdlib: set[str],
                      owners: dict[str, list[str]], installed_by_setup: set[str]) -> list[str]:
    """Modules the chapter imports that neither Colab, nor the setup cell, nor Python has."""
    from lessons_lib.tooling.dependencies import PACKAGE_DIR, notebook_files

    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    sources += [f.read_text(encoding="utf-8") for f in notebook_files(nb, path, PACKAGE_DIR)]
    optional = set().union(*(optional_imports(s) for s in sources))
    needed = third_party_imports(nb, path) - optional - stdlib - {"__future__"}
    return sorted(m for m in needed if m not in owners and m not in installed_by_setup)


def setup_installs(nb: nbformat.NotebookNode) -> set[str]:
    """The modules a chapter's setup cell installs when missing (``find_spec("...")``)."""
    setup = next((c for c in nb.cells if setup_cells.is_setup_cell(c)), None)
    tree = parse_cell(setup.source) if setup is not None else None
    return {node.args[0].value for node in (ast.walk(tree) if tree else [])
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "find_spec"
            and node.args and isinstance(node.args[0], ast.Constant)}


# --- running --------------------------------------------------------------------------------


def run_chapter(path: Path, env_python: str, folder: Path) -> ChapterRun:
    """Run the Colab-edition chapter at ``path`` alone in the empty ``folder``.

    As a reader's "Run all" would, through the grader: every cell runs, and each exercise's
    check, which comes before its solution, must find the stub ("not attempted"). Any other
    error fails the chapter.
    """
    from lessons_lib import exercises

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    nb = nbformat.read(path, as_version=4)
    run = ChapterRun(path.stem)
    start = time.perf_counter()
    with PeakRSS() as memory:
        if exercises.exercises_for(path.stem):
            report = grade.grade(nb, path.name, path.stem, CELL_TIMEOUT, CHAPTER_TIMEOUT,
                                 folder, python=env_python, live=True)
            run.execution, detail = report.execution, report.detail
            run.errors += report.cell_errors
            run.errors += [f"{r.exercise}: {r.status} ({r.feedback[:120]})"
                           for r in report.results if r.status != exercises.Status.NOT_ATTEMPTED]
        else:  # nothing to grade: every cell must simply run
            run.execution, detail = grade.execute(nb, folder, CELL_TIMEOUT, CHAPTER_TIMEOUT,
                                                  python=env_python, live=True)
            run.errors += [f"cell {n}: {o.get('ename')}: {o.get('evalue')}"
                           for n, c in enumerate(nb.cells) for o in c.get("outputs", [])
                           if o.get("output_type") == "error"]
    run.seconds, run.peak_mb = time.perf_counter() - start, memory.peak / 2**20
    if detail:
        run.errors.insert(0, detail)
    for number, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            run.differs += [
                f"cell {number}: " + line.removeprefix(colab_edition.CLAIM_DIFFERS)
                .split(" is false in this run")[0].strip()
                for line in text.splitlines() if line.startswith(colab_edition.CLAIM_DIFFERS)]
    write_notebook(nb, folder / path.name)  # the executed chapter, for reading after a failure
    return run


def installed_from(env_python: str) -> str | None:
    """Where the environment's ``lessons_lib`` was installed from (pip's record), if it is."""
    script = ("import importlib.metadata as m\ntry:\n    print(m.distribution('lessons_lib')"
              ".read_text('direct_url.json') or '')\nexcept m.PackageNotFoundError:\n    pass")
    out = subprocess.run([env_python, "-I", "-c", script], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip() or None


def failed_install_message(env_python: str, folder: Path) -> str | None:
    """Run a setup cell whose address does not exist; return its error, None if it had none."""
    source = setup_cells.setup_source(BAD_ADDRESS, "main")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    folder.mkdir(parents=True, exist_ok=True)
    grade.execute(nb, folder, 300, 600, python=env_python)
    for output in nb.cells[0].get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output['ename']}: {output['evalue']}"
    return None


def _run_in_worker(args: tuple[Path, str, Path]) -> ChapterRun:
    return run_chapter(*args)


def run_edition(edition: list[Path], env_python: str, work: Path, jobs: int,
                expected_seconds: dict[str, float] | None = None) -> list[ChapterRun]:
    """Run every chapter, each in a kernel of its own: the first alone, then ``jobs`` at a time.

    The first chapter's setup cell installs ``lessons_lib`` from the local repository, as it
    would in a fresh Colab session; the later chapters' setup cells find it installed (two
    pip installs into one environment at once could collide). The others start longest first
    by ``expected_seconds`` (chapter name to seconds; the book's last execution): a long
    chapter started last would run alone at the end while the other cores wait. The runs come
    back in the edition's order.
    """
    tasks = [(path, env_python, work / path.stem) for path in edition]
    if not tasks:
        return []
    runs = [run_chapter(*tasks[0])]
    expected = expected_seconds or {}
    rest = sorted(tasks[1:], key=lambda task: -expected.get(task[0].stem, 0.0))  # stable
    if jobs <= 1:
        runs += [run_chapter(*task) for task in rest]
    else:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            runs += list(pool.map(_run_in_worker, rest))
    order = {path.stem: i for i, path in enumerate(edition)}
    return sorted(runs, key=lambda run: order[run.chapter])


def format_table(runs: list[ChapterRun]) -> str:
    """The report as a table: chapter, seconds, peak memory, result."""
    lines = [f"{'chapter':<28}{'seconds':>9}{'peak MB':>9}  result"]
    for run in runs:
        result = "passed" if run.passed else "FAILED: " + "; ".join(run.errors)[:300]
        if run.differs:
            result += f"; the text's claims differ here: {'; '.join(run.differs)}"[:400]
        lines.append(f"{run.chapter:<28}{run.seconds:>9.0f}{run.peak_mb:>9.0f}  {result}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: build the environment, check imports and the setup cell, run chapters."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.colab_env",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("_build/colab-run"),
                        help="folder for the edition, the chapters' runs and report.json")
    parser.add_argument("--env", type=Path, default=Path("_build/colab-env"),
                        help="the Colab-like virtual environment (reused when current)")
    parser.add_argument("--python", help="interpreter for the environment (default: Colab's "
                        "Python version if found, else this one)")
    parser.add_argument("--jobs", type=int, default=1, help="chapters run at a time")
    parser.add_argument("chapters", nargs="*", help="chapter ids to run (default: all)")
    args = parser.parse_args(argv)

    wanted = colab_python_version()
    python = args.python or find_python(wanted) or sys.executable
    got = _version_of(python)
    print(f"Colab-like environment: Python {got} ({python}); Colab runs Python {wanted}"
          + ("" if got == wanted else ": the versions differ"), flush=True)
    env_python = str(environment(args.env.resolve(), python))

    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    url = local_repository(Path.cwd(), work)
    _, branch = setup_cells.repository()
    pins = setup_cells.pinned_requirements()
    notebooks = colab_edition.read_book(Path("book"))
    edition = colab_edition.write_edition(
        work / "edition", setup_source={
            chapter: setup_cells.setup_source(url, branch, setup_cells.colab_extras(
                nb, pins, Path("book") / f"{chapter}.ipynb"))
            for chapter, nb in notebooks.items()})
    if args.chapters:
        edition = [p for p in edition if p.stem in args.chapters]

    problems = []
    stdlib, owners = environment_modules(Path(env_python))
    for path in edition:
        nb = notebooks[path.stem]
        missing = uncovered_imports(nb, Path("book") / path.name, stdlib, owners,
                                    setup_installs(nb))
        problems += [f"{path.stem}: imports {m!r}, which neither Colab nor its setup cell "
                     "provides" for m in missing]
        problems += [f"{path.stem}: {p}" for p in
                     colab_edition.myst_left(nbformat.read(path, as_version=4))]

    message = failed_install_message(env_python, work / "bad-address")
    if not message or BAD_ADDRESS not in message:
        problems.append(f"the setup cell with a wrong address did not stop with its message "
                        f"(got {message!r})")
    else:
        print(f"setup cell with a wrong address: {message}", flush=True)

    runs = run_edition(edition, env_python, work / "chapters", args.jobs,
                       book_cache.execution_seconds(book_cache.cache_path(), notebooks))
    source = installed_from(env_python)
    if not source or url.removeprefix("file://") not in source:
        problems.append(f"lessons_lib was not installed by the setup cell from {url} "
                        f"(pip recorded {source!r})")
    print(format_table(runs))
    report = {"python": got, "colab_python": wanted, "problems": problems,
              "chapters": [asdict(run) | {"passed": run.passed} for run in runs]}
    (work / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 0 if not problems and all(run.passed for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
