"""glue: recorded for the book's {glue} roles in a build, printed where myst-nb is absent."""

from __future__ import annotations

import sys

import pytest
from IPython.display import Markdown

from lessons_lib.glue import glue


def test_without_myst_nb_the_value_is_printed(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # as on Colab: no myst-nb
    glue("best_epoch", 3, display=False)
    glue("best_val", 87.84000277519226, display=False)
    glue("best_kind", Markdown("`gru`"), display=False)
    assert capsys.readouterr().out == "best_epoch = 3\nbest_val = 87.84\nbest_kind = `gru`\n"


def test_with_myst_nb_it_is_myst_nbs_glue(monkeypatch: pytest.MonkeyPatch) -> None:
    import myst_nb

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *args, **kwargs: calls.append((args, kwargs)))
    glue("best_epoch", 3, display=False)
    assert calls == [(("best_epoch", 3), {"display": False})]
