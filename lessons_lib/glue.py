"""Values a chapter computes, for its prose: ``glue`` them where the book can show them.

Used by every chapter, whose text quotes computed numbers with MyST's
``{glue:text}`` role. In the book's build ``glue`` is myst-nb's, which records the value for
the role; where myst-nb is not installed (Colab, plain Jupyter) the role cannot be rendered,
so the value is printed instead, briefly, and the reader still sees what the text refers to
(the Colab edition writes the book's value into the text, marked with a dagger).
"""

from __future__ import annotations

from typing import Any


def shown(value: Any) -> str:
    """``value`` as a reader wants to see it: floats to 4 significant digits, a display
    object (``IPython.display.Markdown``) by its text."""
    if hasattr(value, "data") and isinstance(value.data, str):
        return value.data
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def glue(name: str, value: Any, display: bool = True) -> None:
    """Record ``value`` under ``name`` for the book's ``{glue}`` roles, or print it without
    myst-nb (``display=False`` keeps it out of the cell's own output in the book)."""
    try:
        from myst_nb import glue as record
    except ImportError:  # outside the book's build: show the value in the cell's output
        print(f"{name} = {shown(value)}")
        return
    record(name, value, display=display)
