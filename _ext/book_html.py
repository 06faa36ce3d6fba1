"""Small fixes to the book's HTML that Jupyter Book 1 cannot make through ``_config.yml``.

Jupyter Book 1.0.4 with Sphinx 7.4 writes some inline scripts into every page twice (the Thebe
settings and the toggle-button selector). The second ``const THEBE_JS_URL`` is a JavaScript
``SyntaxError`` in every reader's console, which the browser test (``make browser``) catches.
``dedupe_scripts`` keeps the first copy of each script.
"""

from __future__ import annotations

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


def setup(app: Any) -> dict[str, Any]:
    """Register the fixes with Sphinx."""
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
