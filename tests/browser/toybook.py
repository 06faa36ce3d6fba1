"""A tiny book with one of everything the browser checker looks at, built in a few seconds.

The checker's own tests build it (``write_toy_book`` then ``build_book``), confirm that the
clean build passes, then break one thing at a time in a copy of the HTML. It uses the course's
real ``_config.yml``, so the pages have the same theme, extensions and markup as the book.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]

INTRO = """# Toy book

A page with inline math $h_t = \\tanh(W x_t + U h_{t-1} + b)$ and a link to
{doc}`the chapter <toy>`.

```{tableofcontents}
```
"""

TOC = """format: jb-book
root: intro
chapters:
  - file: toy
"""

FIGURE_CODE = """import matplotlib.pyplot as plt
import numpy as np

from lessons_lib.plots import use_course_style

use_course_style()
steps = np.arange(20)
fig, ax = plt.subplots()
ax.plot(steps, np.tanh(0.2 * steps), label="state")
ax.set_xlabel("time step $t$")
ax.set_ylabel("hidden state $h_t$ (no unit)")
ax.legend()
plt.show()"""


SELF_CHECK_CODE = """from lessons_lib.exercises.self_check import Choice, Numeric, self_check

steps = 20
self_check(
    "00",
    Choice("Which state does step t read?", right="h_{t-1}", why="The recurrence reads it.",
           wrong={"h_t": "That is what step t writes.", "h_{t+1}": "That is the next step's."}),
    Numeric("How many steps does the figure show?", answer=steps, tolerance=0.5,
            why="np.arange(20) has 20 steps.", wrong={steps - 1: "Off by one: 0 to 19 is 20."}),
)"""


def toy_notebook() -> nbformat.NotebookNode:
    """A chapter with display math, a captioned figure, self-check questions and a gated
    exercise with a solution."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    figure = code(FIGURE_CODE)
    figure.metadata["mystnb"] = {"figure": {"caption": "A toy state.", "name": "fig-toy"},
                                 "image": {"alt": "A curve rising from 0 towards 1 over 20 steps."}}
    cells = [
        md("# Toy chapter\n\nThe recurrence, displayed:\n\n"
           "$$\nh_t = \\tanh(W x_t + U h_{t-1} + b)\n$$\n\nSee {numref}`fig-toy`."),
        figure,
        code("print(sum(range(4)))"),
        md("## Check yourself"),
        code(SELF_CHECK_CODE, metadata={"tags": ["remove-input"]}),
        md("```{exercise-start}\n:label: ex-toy\n```\n\nReturn the sum of 0, 1, 2 and 3."),
        code("answer = None  # YOUR CODE HERE"),
        md("```{exercise-end}\n```"),
        md("```{solution-start} ex-toy\n:class: dropdown\n```"),
        code("answer = 6"),
        md("The answer is six.\n\n```{solution-end}\n```"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def write_toy_book(root: Path) -> Path:
    """Write the toy book's sources into ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "_config.yml", root / "_config.yml")
    shutil.copytree(REPO / "_ext", root / "_ext", dirs_exist_ok=True)
    (root / "_toc.yml").write_text(TOC)
    (root / "intro.md").write_text(INTRO)
    nbformat.write(toy_notebook(), root / "toy.ipynb")
    return root


def build_book(root: Path) -> Path:
    """Build ``root`` strictly (warnings are errors, nitpicky) and return its ``_build/html``."""
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", str(root), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, env={**os.environ, "LESSONS_BOOK_BUILD": "1"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"toy book build failed:\n{result.stdout[-4000:]}\n{result.stderr}")
    return root / "_build" / "html"
