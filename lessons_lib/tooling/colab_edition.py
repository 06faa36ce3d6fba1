"""Write the Colab edition of the course: every chapter as a notebook that reads well outside
the book, in Google Colab and in plain Jupyter.

The chapters are written for Jupyter Book: their text uses MyST roles and directives that only
the book renders, and cells the book hides stay visible elsewhere. Opened as they are in Colab,
a reader meets ``{glue:text}`` and ``{numref}`` as literal text and the book's own checks in
the middle of the page. ``python -m lessons_lib.tooling.colab_edition OUT_DIR`` writes each
chapter of ``book/`` to ``OUT_DIR/book/`` (the layout of the repository, so that the launch
button's address only changes its branch) with:

- ``{glue:text}``, ``{glue:md}`` and ``{glue}`` replaced by the value computed when the book
  was built, marked with a dagger (the reader's own run prints its own values);
- ``{numref}`` replaced by "Figure <chapter>.<n>", and each figure's caption written under it;
- ``{doc}`` replaced by a link that opens the other chapter's notebook of this edition in
  Colab;
- cells the book hides, and the setup cell, collapsed with Colab's form view (``#@title`` and
  ``cellView: form``; JupyterLab's ``source_hidden`` too) instead of shown; their ``assert``
  statements, which hold the text to the book's own run, report instead of stopping the
  reader's run when other library versions give other numbers (``soft_claims``);
- exercise directives turned into plain headings; each exercise's check cell moved before its
  solution, so a reader's own answer is checked, not ours; the solution's text in a
  ``<details>`` block and its code in a folded cell;
- cells tagged ``book-only`` (text about the website: its Live Code, its launch menu) left
  out, and the title numbered ("Chapter 9. ...") as the figures are.

The values come from the book's cache of executed chapters (``make notebooks`` or ``make book``
fills it); a chapter whose executed copy is missing or stale is an error that says so. The
student edition (``student_edition``) is this edition without the solutions.

The edition is published beside the website, to the branch named by ``lessons_colab_branch``
in ``_config.yml`` (default ``colab``); the book's Colab button opens the page's chapter there
(``_ext/book_html.py``).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from lessons_lib.tooling.notebooks import chapter_notebooks, parse_cell, write_notebook
from lessons_lib.tooling.setup_cells import WRITTEN_BY, is_setup_cell, repository
from lessons_lib.tooling.strip_outputs import strip_notebook

BOOK_VALUE_MARK = "†"
DEFAULT_COLAB_URL = "https://colab.research.google.com"
DEFAULT_COLAB_BRANCH = "colab"
# A MyST role in running text: {name}`body`.
ROLE = re.compile(r"\{(?P<role>[a-z][a-z:-]*)\}`(?P<body>[^`]*)`")
# Any directive fence that survived: ```{name} or :::{name}.
DIRECTIVE = re.compile(r"^\s*(?:`{3,}|:{3,})\s*\{[a-z][a-z:-]*\}", re.MULTILINE)
# A whole fenced directive block: opening fence, option lines (":key: value"), closing fence.
_EXERCISE_START_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\s*\{exercise-start\}(?P<title>[^\n]*)\n"
    r"(?P<options>(?:\s*:[^\n]*\n)*)"
    r"\s*(?P=fence)[ \t]*$", re.MULTILINE)
_EXERCISE_END_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\s*\{exercise-end\}[^\n]*\n\s*(?P=fence)[ \t]*$", re.MULTILINE)
_SOLUTION_START_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\s*\{solution-start\}\s*(?P<label>\S*)[^\n]*\n"
    r"(?:\s*:[^\n]*\n)*\s*(?P=fence)[ \t]*\n?", re.MULTILINE)
_SOLUTION_END_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\s*\{solution-end\}[^\n]*\n\s*(?P=fence)[ \t]*$", re.MULTILINE)
HIDDEN_TAGS = frozenset({"remove-cell", "remove-input", "hide-input", "hide-cell"})
# What a folded check prints when the reader's run does not bear out a claim of the text.
CLAIM_DIFFERS = "Not as in the book:"

BOOK_ONLY_TAG = "book-only"
EDITION_NOTE = (
    "> **Colab edition** of the course book. Run the cells from the top (Runtime > Run all): "
    "the first installs the course's helpers, and the run stops at the first exercise, for "
    "you to solve. A value marked {mark} in the text is the one the book's own run computed; "
    "your run prints its own, which can differ, above all for trained models and timings. "
    "Folded cells hold what the book hides: the checks it runs on its own text (which print "
    "a line starting *Not as in the book* where your numbers tell a different story) and the "
    "solutions to the exercises. Open one with a double-click in Colab, or a click on its "
    "\u2026 in JupyterLab."
)


@dataclass(frozen=True)
class Figure:
    """A numbered figure: the chapter it is in, its number there ("9.2") and its caption."""

    chapter: str
    number: str
    caption: str


class PlaceholderValues(Mapping[str, dict[str, str]]):
    """Glued values for a chapter that was not executed: every name holds ``text``.

    For editions whose structure is what matters (the unit tests, which run before the
    chapters are executed; the grading benchmark): never for an edition to publish.
    """

    def __init__(self, text: str = "1.0") -> None:
        self.text = text

    def __getitem__(self, name: str) -> dict[str, str]:
        return {"text/plain": self.text, "text/markdown": f"`{self.text}`"}

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass
class BookIndex:
    """What one chapter's text may refer to in the others: titles, figures, addresses."""

    titles: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    colab_url: str = DEFAULT_COLAB_URL
    repository_url: str = "https://github.com/rnn-course/rnn-book"
    branch: str = DEFAULT_COLAB_BRANCH
    # Link chapters to each other by file name (the student edition, handed out as a folder)
    # instead of to the published Colab edition, which holds the solutions.
    relative_links: bool = False

    def notebook_url(self, chapter: str) -> str:
        """The address that opens ``chapter`` of this edition in Colab (or its file name)."""
        if self.relative_links:
            return f"{chapter}.ipynb"
        org_repo = self.repository_url.split("github.com/", 1)[-1]
        return f"{self.colab_url}/github/{org_repo}/blob/{self.branch}/book/{chapter}.ipynb"


# --- reading the book -----------------------------------------------------------------------


def chapter_number(chapter: str) -> str:
    """The number a chapter id starts with, without leading zeros ("09_forecasting" -> "9")."""
    match = re.match(r"(\d+)_", chapter)
    if not match:
        raise ValueError(f"expected a chapter id like 09_forecasting, got {chapter!r}")
    return str(int(match.group(1)))


def chapter_title(nb: nbformat.NotebookNode, chapter: str) -> str:
    """The text of the chapter's ``# Title`` line."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)
            if match:
                return match.group(1).strip()
    raise ValueError(f"{chapter}: expected a markdown cell with a '# Title' line, found none")


def chapter_figures(nb: nbformat.NotebookNode, chapter: str) -> dict[str, Figure]:
    """The named figures of a chapter (``metadata.mystnb.figure``), numbered in page order."""
    figures = {}
    for cell in nb.cells:
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if figure.get("name"):
            number = f"{chapter_number(chapter)}.{len(figures) + 1}"
            figures[figure["name"]] = Figure(chapter, number, str(figure.get("caption", "")))
    return figures


def book_index(notebooks: dict[str, nbformat.NotebookNode],
               config: Path | str = "_config.yml") -> BookIndex:
    """Titles and figures of every chapter, and the edition's addresses from ``_config.yml``."""
    url, _ = repository(config)
    settings = yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}
    launch = settings.get("launch_buttons") or {}
    sphinx_config = (settings.get("sphinx") or {}).get("config") or {}
    index = BookIndex(
        colab_url=str(launch.get("colab_url") or DEFAULT_COLAB_URL).rstrip("/"),
        repository_url=url,
        branch=str(sphinx_config.get("lessons_colab_branch") or DEFAULT_COLAB_BRANCH))
    for chapter, nb in notebooks.items():
        index.titles[chapter] = chapter_title(nb, chapter)
        for name, figure in chapter_figures(nb, chapter).items():
            if name in index.figures:
                raise ValueError(f"{chapter}: figure name {name!r} is also used in "
                                 f"{index.figures[name].chapter}; expected unique names")
            index.figures[name] = figure
    return index


def glued_values(executed: nbformat.NotebookNode) -> dict[str, dict[str, str]]:
    """The values an executed chapter glued (myst-nb's ``glue``): name -> mime bundle."""
    values = {}
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if output.get("output_type") != "display_data" or not record:
                continue
            prefix = len(record.get("mime_prefix", ""))
            values[record["name"]] = {mime[prefix:]: data for mime, data in output.data.items()}
    return values


def executed_chapter(path: Path, cache_dir: Path) -> nbformat.NotebookNode:
    """The chapter at ``path`` as the book executed it, from the book's cache.

    Raises ``ValueError`` when the cache holds no current copy (the chapter or a module it
    imports changed since the book was last built).
    """
    from jupyter_cache import get_cache

    from lessons_lib.tooling.book_cache import is_current

    nb = nbformat.read(path, as_version=4)
    cache = get_cache(cache_dir) if cache_dir.is_dir() else None
    if cache is None or not is_current(cache, nb, path):
        raise ValueError(f"{path.name}: no current executed copy in the book's cache "
                         f"{cache_dir}; run `make notebooks` or `make book` first")
    return cache.get_cache_bundle(cache.match_cache_notebook(nb).pk).nb


# --- turning MyST into plain Markdown -------------------------------------------------------


def format_value(text: str, spec: str) -> str:
    """Format a glued ``text/plain`` value as myst-nb's ``{glue:text}`` does."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if not spec:
        return str(value)
    kind = spec[-1]
    if kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    elif kind == "s":
        value = str(value)
    return format(value, spec)


def _target(body: str) -> tuple[str | None, str]:
    """``text <target>`` -> (text, target); ``target`` -> (None, target)."""
    match = re.fullmatch(r"\s*(.*?)\s*<([^>]+)>\s*", body)
    return (match.group(1), match.group(2).strip()) if match else (None, body.strip())


def plain_roles(text: str, chapter: str, index: BookIndex,
                values: dict[str, dict[str, str]]) -> str:
    """``text`` with every MyST role replaced by plain Markdown.

    Raises ``ValueError`` for a role this edition does not know, a glued name the executed
    chapter did not glue, or a figure or chapter that does not exist.
    """
    def replace(match: re.Match[str]) -> str:
        role, body = match.group("role"), match.group("body")
        if role in {"glue", "glue:", "glue:any", "glue:text", "glue:md"}:
            name, _, spec = body.partition(":")
            if name not in values:
                raise ValueError(f"{chapter}: the text quotes {{{role}}}`{body}` but the "
                                 f"executed chapter glued no value named {name!r}")
            bundle = values[name]
            if role == "glue:md" and "text/markdown" in bundle:
                shown = str(bundle["text/markdown"]).strip()
            else:
                shown = format_value(str(bundle.get("text/plain", "")), spec)
            return f"{shown}{BOOK_VALUE_MARK}"
        if role == "numref":
            text_, label = _target(body)
            if label not in index.figures:
                raise ValueError(f"{chapter}: {{numref}}`{body}` names no figure of the book")
            figure = index.figures[label]
            words = (text_ or "Figure %s").replace("%s", figure.number)
            if figure.chapter == chapter:
                return words
            return f"[{words}]({index.notebook_url(figure.chapter)})"
        if role == "doc":
            text_, target = _target(body)
            other = Path(target).name.removesuffix(".ipynb")
            if other not in index.titles:
                raise ValueError(f"{chapter}: {{doc}}`{body}` names no chapter of the book")
            return f"[{text_ or index.titles[other]}]({index.notebook_url(other)})"
        if role == "math":
            return f"${body}$"
        raise ValueError(f"{chapter}: the MyST role {{{role}}} has no plain form in the Colab "
                         "edition; add one to lessons_lib.tooling.colab_edition.plain_roles")

    return ROLE.sub(replace, text)


def _exercise_heading(match: re.Match[str]) -> str:
    """``### Exercise: <title> (`<label>`)`` for one ``{exercise-start}`` block."""
    label = re.search(r"^\s*:label:\s*(\S+)", match.group("options") or "", re.MULTILINE)
    title = match.group("title").strip()
    heading = f"### Exercise: {title}" if title else "### Exercise"
    return f"{heading} (`{label.group(1)}`)" if label else heading


def plain_directives(text: str) -> str:
    """Exercise and solution fences as plain Markdown headings (or nothing)."""
    text = _EXERCISE_START_BLOCK.sub(_exercise_heading, text)
    text = _EXERCISE_END_BLOCK.sub("", text)
    text = _SOLUTION_START_BLOCK.sub("#### Solution\n\n", text)
    text = _SOLUTION_END_BLOCK.sub("", text)
    return text.strip()


# --- cells ----------------------------------------------------------------------------------


def collapse(cell: nbformat.NotebookNode, title: str) -> None:
    """Hide a code cell's source behind a title: Colab's form view, JupyterLab's collapse."""
    source = re.sub(r"^#@title[^\n]*\n?", "", cell.source)
    cell.source = f"#@title {title}\n{source}"
    cell.metadata["cellView"] = "form"
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    tags = [t for t in cell.metadata.get("tags", []) if t not in HIDDEN_TAGS]
    if tags:
        cell.metadata["tags"] = tags
    else:
        cell.metadata.pop("tags", None)


def soft_claims(source: str) -> str:
    """``source`` with every ``assert`` turned into a printed note when it does not hold.

    The book's hidden checks hold its prose to the numbers of its own run. A reader's run on
    other versions of TensorFlow (Colab's) can come out a little differently; stopping there
    would cost them the rest of the chapter, so the reader is told which claim their numbers
    do not bear out (prefixed ``CLAIM_DIFFERS``) and the run goes on.
    """
    tree = parse_cell(source)
    if tree is None:
        return source
    lines = source.splitlines()
    asserts = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Assert)),
                     key=lambda n: n.lineno, reverse=True)
    for node in asserts:
        first = lines[node.lineno - 1]
        indent = first[: len(first) - len(first.lstrip())]
        condition = ast.unparse(node.test)
        note = (f"{CLAIM_DIFFERS} {condition} is false in this run, while the text says it "
                "holds for the book's run (other library versions, or a change of yours, "
                "can give other numbers)")
        lines[node.lineno - 1: node.end_lineno] = [
            f"{indent}if not ({condition}):", f"{indent}    print({note!r})"]
    return "\n".join(lines)


def hidden_title(source: str) -> str:
    """A title for a cell the book hides: what it does, in a few words."""
    tree = parse_cell(source)
    statements = tree.body if tree is not None else []
    checks = any(isinstance(node, ast.Assert) for s in statements for node in ast.walk(s))
    # A loop or an if made of asserts only still just checks.
    only_checks = (ast.Assert, ast.For, ast.If, ast.Pass, ast.expr, ast.expr_context,
                   ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.keyword,
                   ast.comprehension)
    computes = any(not all(isinstance(node, only_checks) for node in ast.walk(s))
                   or isinstance(s, ast.Expr) for s in statements)
    glues = any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "glue"
                for s in statements for n in ast.walk(s))
    if checks and not computes:
        what = "Check that the text's claims hold for this run"
    elif checks:
        what = "Compute and check what the text says"
    elif glues:
        what = "Compute values the text quotes"
    elif statements and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in statements):
        what = "Imports"
    else:
        what = "Code the book runs out of sight"
    return f"{what} (hidden in the book)"


def _details(text: str, summary: str) -> str:
    """Markdown ``text`` folded under ``summary`` (Colab and JupyterLab render the tag)."""
    return f"<details>\n<summary>{summary}</summary>\n\n{text}\n\n</details>"


def numbered_title(cell: nbformat.NotebookNode, chapter: str) -> None:
    """Number the chapter's ``# Title`` as its figures are: ``# Chapter 9. Title``."""
    cell.source = re.sub(r"^#\s+(?!Chapter \d)(.+)$",
                         lambda m: f"# Chapter {chapter_number(chapter)}. {m.group(1)}",
                         cell.source, count=1, flags=re.MULTILINE)


def _solution_cells(cells: list[nbformat.NotebookNode], chapter: str, index: BookIndex,
                    values: dict[str, dict[str, str]]) -> list[nbformat.NotebookNode]:
    """One solution's cells for the edition: a heading, text folded, code folded."""
    out = []
    for number, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            text = plain_roles(plain_directives(cell.source), chapter, index, values)
            text = text.removeprefix("#### Solution").strip()
            if number == 0:
                out.append(nbformat.v4.new_markdown_cell("#### Solution"))
            if text:
                out.append(nbformat.v4.new_markdown_cell(
                    _details(text, "The solution, explained (click to show)")))
        else:
            collapse(cell, "Our solution: double-click to see the code; run it to replace "
                           "your answer with ours")
            out.append(cell)
    return out


def colab_notebook(nb: nbformat.NotebookNode, chapter: str, index: BookIndex,
                   values: dict[str, dict[str, str]], note: str | None = None,
                   ) -> nbformat.NotebookNode:
    """One chapter of the Colab edition: plain Markdown, hidden cells collapsed, no outputs.

    ``values`` are the chapter's glued values (``glued_values`` of its executed copy); ``note``
    is written under the title (default ``EDITION_NOTE``).
    """
    from lessons_lib.tooling.grade import checked_labels

    nb = nbformat.from_dict(nb)  # a deep copy: the book's chapter stays untouched
    strip_notebook(nb)
    cells: list[nbformat.NotebookNode] = []
    solution: list[nbformat.NotebookNode] = []  # the open solution's cells, in book order
    waiting: list[nbformat.NotebookNode] = []  # a closed solution, waiting for its check
    for cell in nb.cells:
        if BOOK_ONLY_TAG in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown" and _SOLUTION_START_BLOCK.search(cell.source):
            solution = [cell]
        elif solution:
            solution.append(cell)
        if solution:
            if cell.cell_type == "markdown" and _SOLUTION_END_BLOCK.search(cell.source):
                waiting, solution = _solution_cells(solution, chapter, index, values), []
            continue
        if cell.cell_type == "markdown":
            cell.source = plain_roles(plain_directives(cell.source), chapter, index, values)
            if cell.source:
                cells.append(cell)
            continue
        if waiting and not checked_labels(cell.source):  # no check follows: keep book order
            cells += waiting
            waiting = []
        figure = cell.metadata.pop("mystnb", {}).get("figure")
        tags = set(cell.metadata.get("tags", []))
        if is_setup_cell(cell):
            cell.source = "\n".join(line for line in cell.source.splitlines()
                                    if not line.startswith(WRITTEN_BY))
            collapse(cell, "Setup: install the course's helpers where they are missing")
        elif tags & HIDDEN_TAGS:
            title = hidden_title(cell.source)
            cell.source = soft_claims(cell.source)
            collapse(cell, title)
        cells.append(cell)
        if waiting:  # this cell checks the exercise: the solution comes after it
            cells += waiting
            waiting = []
        if figure and figure.get("name") in index.figures:
            found = index.figures[figure["name"]]
            caption = plain_roles(found.caption, chapter, index, values)
            cells.append(nbformat.v4.new_markdown_cell(f"**Figure {found.number}.** {caption}"))
    cells += waiting + solution
    title = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), -1)
    if title >= 0:
        numbered_title(cells[title], chapter)
    text = note if note is not None else EDITION_NOTE.format(mark=BOOK_VALUE_MARK)
    if text:
        cells.insert(title + 1, nbformat.v4.new_markdown_cell(text))
    for position, cell in enumerate(cells):
        cell.id = f"{chapter[:2]}-{position:03d}"
    nb.cells = cells
    nb.metadata["colab"] = {"name": f"{chapter}.ipynb", "provenance": [], "toc_visible": True}
    nb.metadata.setdefault("lessons", {}).update(chapter=chapter, edition="colab")
    return nb


def myst_left(nb: nbformat.NotebookNode) -> list[str]:
    """What of the book's MyST syntax, or its hidden cells, a notebook still shows."""
    problems = []
    for number, cell in enumerate(nb.cells):
        where = f"cell {number}"
        if cell.cell_type == "markdown":
            problems += [f"{where}: role {m.group(0)!r}" for m in ROLE.finditer(cell.source)]
            problems += [f"{where}: directive {m.group(0).strip()!r}"
                         for m in DIRECTIVE.finditer(cell.source)]
            continue
        tags = set(cell.metadata.get("tags", []))
        folded = cell.metadata.get("cellView") == "form" and cell.source.startswith("#@title")
        if tags & HIDDEN_TAGS and not folded:
            problems.append(f"{where}: a cell the book hides is shown")
        tree = parse_cell(cell.source)
        if tree is not None and not folded and any(isinstance(s, ast.Assert) for s in tree.body):
            problems.append(f"{where}: an assert is shown")
    return problems


# --- the whole edition ----------------------------------------------------------------------


def read_book(book_dir: Path) -> dict[str, nbformat.NotebookNode]:
    """Every chapter of ``book_dir``, by chapter id."""
    notebooks = chapter_notebooks(book_dir)
    if not notebooks:
        raise ValueError(f"expected chapter notebooks (*.ipynb) in {book_dir}, found none")
    return {path.stem: nbformat.read(path, as_version=4) for path in notebooks}


def chapter_values(nb: nbformat.NotebookNode, path: Path,
                   cache_dir: Path) -> dict[str, dict[str, str]]:
    """The values the chapter's text quotes, from its executed copy (none needed: ``{}``)."""
    quotes = any(m.group("role").startswith("glue") for c in nb.cells if c.cell_type == "markdown"
                 for m in ROLE.finditer(c.source))
    return glued_values(executed_chapter(path, cache_dir)) if quotes else {}


def write_edition(out_dir: Path, book_dir: Path = Path("book"),
                  config: Path = Path("_config.yml"), cache_dir: Path | None = None,
                  setup_source: dict[str, str] | None = None) -> list[Path]:
    """Write the Colab edition of every chapter to ``out_dir/book/``; return the files.

    ``setup_source`` maps chapter ids to setup-cell code that replaces theirs (the
    Colab-environment test installs ``lessons_lib`` from a local repository); ``cache_dir``
    defaults to the book's cache.
    """
    from lessons_lib.tooling.book_cache import cache_path

    out_dir, book_dir = Path(out_dir), Path(book_dir)
    if out_dir.resolve() in {book_dir.resolve(), book_dir.resolve().parent}:
        raise ValueError(f"expected an output folder outside the book, got {out_dir}")
    cache_dir = cache_dir or cache_path(config)
    notebooks = read_book(book_dir)
    index = book_index(notebooks, config)
    written = []
    for chapter, nb in notebooks.items():
        path = book_dir / f"{chapter}.ipynb"
        values = chapter_values(nb, path, cache_dir)
        if setup_source and chapter in setup_source:
            nb = nbformat.from_dict(nb)
            for cell in nb.cells:
                if is_setup_cell(cell):
                    cell.source = setup_source[chapter]
        edition = colab_notebook(nb, chapter, index, values)
        target = out_dir / "book" / f"{chapter}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_notebook(edition, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: write the Colab edition."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.colab_edition",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write (chapters go to OUT/book/)")
    parser.add_argument("--book", type=Path, default=Path("book"))
    parser.add_argument("--config", type=Path, default=Path("_config.yml"))
    parser.add_argument("--cache", type=Path, default=None,
                        help="the book's cache of executed chapters (default: the build's)")
    args = parser.parse_args(argv)
    try:
        written = write_edition(args.out_dir, args.book, args.config, args.cache)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems = [f"{path.name}: {p}" for path in written
                for p in myst_left(nbformat.read(path, as_version=4))]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"wrote {len(written)} chapters to {args.out_dir / 'book'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
