"""Every chapter's self-check questions (lessons_lib.exercises.self_check), read from its cells.

The questions of a chapter live in one code cell, shown without its code, before the
chapter's exercises. A numeric answer, and each wrong number with its feedback, must be
computed by the chapter: a typed number would stay the same when the chapter's result
changes, and the page would then mark the chapter's own result wrong. (That each question
has exactly the answers it claims is checked when the cell runs, by ``validate``, under
nbval; the browser test answers one right and one wrong.)
"""

from __future__ import annotations

import ast

import nbformat
import pytest
from conftest import ROOT

from lessons_lib.tooling.notebooks import chapter_id, chapter_notebooks

CHAPTERS = chapter_notebooks(ROOT / "book")


def _is_typed_number(node: ast.expr) -> bool:
    """A literal number, signed or not, or arithmetic on literals only (``100 * 0.25``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float | complex)
    if isinstance(node, ast.UnaryOp):
        return _is_typed_number(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_typed_number(node.left) and _is_typed_number(node.right)
    return False


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == name]


def self_check_cells(path):
    nb = nbformat.read(path, as_version=4)
    cells = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and _calls(ast.parse(cell.source), "self_check")]
    return nb, cells


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_has_one_self_check_cell_before_its_exercises(path):
    nb, cells = self_check_cells(path)
    assert len(cells) == 1, f"{path.name}: expected one self_check cell, found {len(cells)}"
    index, cell = cells[0]
    assert "remove-input" in cell.metadata.get("tags", []), (
        f"{path.name}: tag the self_check cell remove-input (the page shows the questions only)")
    first_exercise = next(i for i, c in enumerate(nb.cells)
                          if c.cell_type == "markdown" and "{exercise-start}" in c.source)
    assert index < first_exercise, f"{path.name}: the self-check comes before the exercises"
    call = _calls(ast.parse(cell.source), "self_check")[0]
    chapter = chapter_id(nb, path)[:2]
    assert isinstance(call.args[0], ast.Constant) and call.args[0].value == chapter, (
        f"{path.name}: self_check's first argument is the chapter's id {chapter!r}")
    kinds = [arg.func.id for arg in call.args[1:] if isinstance(arg, ast.Call)]
    assert {"Choice", "Numeric"} <= set(kinds), f"{path.name}: one question of each kind"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_numeric_answers_are_computed_by_the_chapter(path):
    _, cells = self_check_cells(path)
    for _, cell in cells:
        for call in _calls(ast.parse(cell.source), "Numeric"):
            keywords = {k.arg: k.value for k in call.keywords}
            answer = call.args[1] if len(call.args) > 1 else keywords["answer"]
            assert not _is_typed_number(answer), (
                f"{path.name}: the answer to {ast.unparse(call.args[0])[:60]} is typed "
                f"({ast.unparse(answer)}); compute it from the chapter's variables")
            wrong = keywords.get("wrong")
            for key in wrong.keys if isinstance(wrong, ast.Dict) else []:
                assert not _is_typed_number(key), (
                    f"{path.name}: the wrong number {ast.unparse(key)} is typed; compute it "
                    f"from the chapter's variables, as the mistake would")


@pytest.mark.parametrize("source, typed", [
    ("0.5", True), ("-3", True), ("100 * 0.25", True), ("100 * share", False),
    ("n_params - units", False), ("len(words)", False), ("float(x)", False)])
def test_typed_numbers_are_told_from_computed_ones(source, typed):
    assert _is_typed_number(ast.parse(source, mode="eval").body) is typed
