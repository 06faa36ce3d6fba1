"""Small fixes to the book's HTML that Jupyter Book 1 cannot make through ``_config.yml``.

Jupyter Book 1.0.4 with Sphinx 7.4 writes some inline scripts into every page twice (the Thebe
settings and the toggle-button selector). The second ``const THEBE_JS_URL`` is a JavaScript
``SyntaxError`` in every reader's console, which the browser test (``make browser``) catches.
``dedupe_scripts`` keeps the first copy of each script.

The launch menu's Colab button opens the page's chapter on the repository's branch; Jupyter
Book cannot point it elsewhere. ``colab_edition_button`` points it at the same chapter in the
Colab edition (``lessons_lib.tooling.colab_edition``), published on the branch named by
``lessons_colab_branch`` (``sphinx.config`` in ``_config.yml``), where the text reads as plain
Markdown and the book's hidden cells are folded.

``static/print.css`` lays the pages out for paper (a reader's Print, and ``make pdf``): the
text column alone, code and outputs wrapped rather than cut off at the margin.
``static/book.css`` darkens the theme's links to meet WCAG AA contrast on notes' backgrounds.

``make pdf`` prints the ``singlehtml`` build. Jupyter Book's LaTeX helper marks each table of
contents with a node that it teaches the ``html`` builder to skip, but not ``singlehtml``,
which then fails; ``skip_in_singlehtml`` teaches it too.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any


def dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                   doctree: Any) -> None:
    """Drop a page's repeated ``<script>`` entries (same file, same attributes and body)."""
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        # Sphinx records an inline script's file as None in one place and "" in another,
        # which is why its own de-duplication misses these.
        filename = str(getattr(script, "filename", script) or "")
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def colab_edition_button(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                         doctree: Any) -> None:
    """Point the page's Colab launch button at the Colab edition's branch."""
    edition = app.config.lessons_colab_branch
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab":
                # .../github/ORG/REPO/blob/BRANCH/PATH: only the branch changes.
                button["url"] = re.sub(r"/blob/[^/]+/", f"/blob/{edition}/", button["url"],
                                       count=1)
                button["tooltip"] = "Open this chapter's Colab edition in Google Colab"


STATIC = Path(__file__).parent / "static"


def static_digest() -> str:
    """A digest of ``static/``: a config value of the ``html`` kind, so that editing a
    stylesheet rewrites every page (Sphinx skips a build whose sources did not change)."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def add_stylesheets(app: Any, config: Any) -> None:
    """Ship ``static/`` with the book; link ``book.css`` on every page and ``print.css`` for
    print media."""
    config.html_static_path.append(str(STATIC))
    app.add_css_file("book.css")
    app.add_css_file("print.css", media="print")


def _skip(translator: Any, node: Any) -> None:
    from docutils import nodes

    raise nodes.SkipNode


def skip_in_singlehtml(app: Any) -> None:
    """Let the single-page build skip the LaTeX helper's hidden nodes, as ``html`` does."""
    try:
        from sphinx_jupyterbook_latex.nodes import HiddenCellNode
    except ImportError:  # not installed: no such node in the doctree either
        return
    app.add_node(HiddenCellNode, override=True, singlehtml=(_skip, None))


def setup(app: Any) -> dict[str, Any]:
    """Register the fixes with Sphinx."""
    app.add_config_value("lessons_colab_branch", "colab", "html")
    app.add_config_value("lessons_static_digest", static_digest(), "html")
    app.connect("html-page-context", dedupe_scripts, priority=900)
    # After sphinx-book-theme's add_launch_buttons (priority 501) has made the buttons.
    app.connect("html-page-context", colab_edition_button, priority=600)
    app.connect("config-inited", add_stylesheets)
    skip_in_singlehtml(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
