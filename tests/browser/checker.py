"""Check the built book the way a reader sees it: every page in a real (headless) browser.

``check_site(html_dir)`` serves ``html_dir`` on localhost, opens every page in Debian's Chromium
through Playwright, and returns a list of ``Problem``: a JavaScript error or console error, a
request to the local server that failed (a 404), an image that did not load, a figure without a
caption, math left as raw LaTeX or a MathJax error, a code cell whose output is an error, a
solution dropdown that does not open, a page missing from the table of contents, a figure whose
alt text does not say what it shows (a file name, matplotlib's "Figure size ..."), and every
violation of the WCAG 2.0 and 2.1 A and AA rules that axe-core finds (the PyPI package
``axe-playwright-python`` bundles it), except those in the reviewed allowlist
``accessibility_allowlist.yml``, each of which says why it cannot be fixed here.
``check_links(html_dir)`` checks, without a browser or network, that every local ``href``/``src``
resolves to a file and every ``#anchor`` exists on its page; ``check_launch_links`` that every
Colab/Binder button opens a notebook that exists in the repository. A screenshot of each page
is saved when ``screenshot_dir`` is given.

The network is deterministic (``lessons_lib.tooling.browser``): the only requests that leave
the page are to the local server, MathJax is answered from a local copy, and every other
external request gets an empty ``204`` and is recorded in ``Report.external``.

Run it by hand: ``python tests/browser/checker.py _build/html``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lessons_lib.tooling.browser import PAGE_READY, launch, offline_context, serve

# Pages Sphinx writes that are not chapters: they are checked for errors but need no toc entry.
SPECIAL_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}
PAGE_TIMEOUT_MS = 30_000
# axe-core's rule tags for WCAG 2.0 and 2.1, levels A and AA: what university course material
# is expected to meet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ALLOWLIST_FILE = Path(__file__).with_name("accessibility_allowlist.yml")


@dataclass(frozen=True)
class Problem:
    """One thing a reader would see broken, on one page."""

    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: [{self.kind}] {self.detail}"


@dataclass
class Report:
    """What the browser saw: the problems, and which external requests it answered locally."""

    pages: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    external: set[str] = field(default_factory=set)
    # Per page, what was seen working: formulas typeset, images loaded, dropdowns opened.
    seen: dict[str, dict[str, int]] = field(default_factory=dict)
    # The allowlist entries (by index) that excused at least one axe-core violation.
    allowed: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Allowed:
    """An axe-core violation that the book accepts: the rule, a regular expression that the
    element's CSS selector must match, and why it cannot be fixed here."""

    rule: str
    target: str
    reason: str

    def excuses(self, rule: str, target: str) -> bool:
        return rule == self.rule and re.search(self.target, target) is not None


def load_allowlist(path: Path = ALLOWLIST_FILE) -> list[Allowed]:
    """The reviewed allowlist: a YAML list of ``{rule, target, reason}``, reason required."""
    import yaml

    entries = yaml.safe_load(path.read_text()) or []
    allowed = []
    for entry in entries:
        if not {"rule", "target", "reason"} <= set(entry) or not str(entry["reason"]).strip():
            raise ValueError(f"{path}: each entry needs rule, target and a reason; got {entry}")
        allowed.append(Allowed(str(entry["rule"]), str(entry["target"]), str(entry["reason"])))
    return allowed


# --------------------------------------------------------------------------- pages and server


def is_redirect(path: Path) -> bool:
    """True for the small pages that only forward to another (``index.html`` -> the root)."""
    head = path.read_text(encoding="utf-8", errors="replace")[:600].lower()
    return 'http-equiv="refresh"' in head


def built_pages(html_dir: Path) -> list[str]:
    """Every HTML page of the build, as paths relative to ``html_dir`` with ``/`` separators."""
    pages = []
    for path in sorted(html_dir.rglob("*.html")):
        rel = path.relative_to(html_dir)
        if rel.parts[0] in SKIP_DIRS or is_redirect(path):
            continue
        pages.append(rel.as_posix())
    return pages


# --------------------------------------------------------------------------- in-page checks

# Runs in the page once it is ready (PAGE_READY): what a reader would see broken.
PAGE_PROBE = r"""
async () => {
  const out = {math: [], images: [], errors: [], raw: [], typeset: 0, loaded: 0};
  const article = document.querySelector('article') || document.body;
  const mathNodes = article.querySelectorAll('.math');
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
    for (const e of document.querySelectorAll('mjx-merror')) {
      if (e.closest('mjx-assistive-mml')) continue;
      out.math.push('MathJax error: ' + (e.getAttribute('data-mjx-error') || e.textContent));
    }
    out.typeset = [...document.querySelectorAll('mjx-container')]
        .filter(e => !e.parentElement.closest('mjx-container')).length;
    // A screen reader reads a formula from the MathML that MathJax's assistive extension
    // puts beside it; a formula without it is an image of symbols to such a reader.
    for (const e of document.querySelectorAll('mjx-container')) {
      if (!e.parentElement.closest('mjx-container') && !e.querySelector('mjx-assistive-mml math')) {
        out.math.push('formula without assistive MathML: ' + e.textContent.slice(0, 60));
      }
    }
  } else if (mathNodes.length) {
    out.math.push(`MathJax did not load; ${mathNodes.length} formulas left as LaTeX`);
  }
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) out.images.push(img.currentSrc || img.src);
    else out.loaded += 1;
  }
  // Every figure a chapter draws has a caption (cell metadata mystnb.figure.caption).
  out.uncaptioned = [];
  for (const img of article.querySelectorAll('.cell_output img')) {
    const caption = img.closest('figure')?.querySelector('figcaption');
    if (!caption || !caption.textContent.trim()) {
      out.uncaptioned.push(img.getAttribute('src'));
    }
  }
  // Every figure says what it shows to a reader who cannot see it: not a file name, not the
  // "<Figure size 640x480 with 1 Axes>" text that matplotlib leaves in a plot's text output.
  out.alt = [];
  for (const img of article.querySelectorAll('.cell_output img')) {
    const alt = (img.getAttribute('alt') || '').trim();
    if (alt.length < 20 || /\.(png|svg|jpe?g)$/i.test(alt) || /^<?Figure size/.test(alt)) {
      out.alt.push(`${img.getAttribute('src')}: alt ${JSON.stringify(alt.slice(0, 80))}`);
    }
  }
  for (const node of article.querySelectorAll(
      '.cell_output .traceback, .cell_output .output.error, .cell_output .output.stderr, ' +
      '.cell_output .output.stream')) {
    const text = node.textContent;
    // An error output, or a traceback printed to a stream (a chapter may print an error's
    // message on purpose, so a line like "ValueError: ..." alone is not flagged).
    if (node.matches('.traceback, .error') || /Traceback \(most recent call last\)/.test(text)) {
      out.errors.push(text.trim().split('\n').slice(-1)[0].slice(0, 200));
    }
  }
  // Raw LaTeX left in the text a reader sees (code, outputs and typeset math excluded).
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode: n =>
      n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .cell_output')
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  const rawMath = /\$\$|\\\(|\\\[|\\begin\{|\$[^\s$][^$]{0,200}?[\\^_][^$]{0,200}?\$/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const m = n.textContent.match(rawMath);
    if (m) out.raw.push(n.textContent.trim().slice(0, 120));
  }
  return out;
}
"""

NAV_LINKS = """
() => [...document.querySelectorAll('nav.bd-docs-nav a.reference.internal')]
        .filter(a => !a.getAttribute('href').startsWith('#'))  // the page itself links to "#"
        .map(a => a.href.split('#')[0])
"""

DROPDOWNS = ".admonition.dropdown, details"


def _check_dropdowns(page, name: str) -> tuple[list[Problem], int]:
    """Click every solution dropdown (and ``<details>``); its content must become visible.

    Returns the problems and the number of dropdowns that opened.
    """
    problems = []
    opened = 0
    boxes = page.locator(DROPDOWNS)
    for i in range(boxes.count()):
        box = boxes.nth(i)
        label = box.get_attribute("id") or f"dropdown #{i + 1}"
        if box.evaluate("e => e.tagName") == "DETAILS":
            toggle = box.locator("summary").first
            content = box.locator(":scope > :not(summary)").first
        else:
            toggle = box.locator("button.toggle-button").first
            content = box.locator(":scope > :not(.admonition-title):not(button)").first
        if toggle.count() == 0:
            problems.append(Problem(name, "dropdown", f"{label}: no button to open it"))
            continue
        if content.count() == 0:
            problems.append(Problem(name, "dropdown", f"{label}: has no content"))
            continue
        if box.evaluate("e => e.classList.contains('solution')") and content.is_visible():
            problems.append(Problem(name, "dropdown", f"{label}: solution shown before a click"))
            continue
        toggle.click()
        try:
            content.wait_for(state="visible", timeout=3000)
            opened += 1
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError; the message says it all
            problems.append(Problem(name, "dropdown", f"{label}: content hidden after a click"))
    return problems, opened


def _check_accessibility(page, name: str, allowlist: list[Allowed],
                         report: Report) -> tuple[list[Problem], int]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now; a violation is a
    problem unless an allowlist entry excuses it. Returns the problems and the rules passed."""
    from axe_playwright_python.sync_playwright import Axe

    # No preload: axe-core fetches the page's stylesheets again for one rule (orientation
    # lock) and resolves the theme's `@import "../basic.css"` against the page instead of the
    # stylesheet, a 404 on every page. That rule then reports "incomplete", never a pass.
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"],
               "preload": False}
    results = Axe().run(page, options=options).response
    problems = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            excusing = [i for i, entry in enumerate(allowlist)
                        if entry.excuses(violation["id"], target)]
            if excusing:
                report.allowed.update(excusing)
                continue
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:200]
            problems.append(Problem(name, "a11y", f"{violation['id']} ({violation['impact']}): "
                                                  f"{target}: {violation['help']}. {summary}"))
    return problems, len(results["passes"])


def check_page(context, base: str, name: str, screenshot_dir: Path | None,
               report: Report, allowlist: list[Allowed] | None = None) -> set[str]:
    """Open one page, add its problems to ``report``; return the toc links it shows."""
    page = context.new_page()
    problems = report.problems

    def on_console(msg) -> None:
        if msg.type == "error":
            problems.append(Problem(name, "console", msg.text[:300]))

    def on_response(response) -> None:
        if response.url.startswith(base) and response.status >= 400:
            problems.append(Problem(name, "request", f"{response.status} {response.url}"))

    def on_failed(request) -> None:
        if request.url.startswith(base):
            problems.append(Problem(name, "request", f"failed {request.url}"))

    page.on("console", on_console)
    page.on("pageerror", lambda err: problems.append(Problem(name, "js-error", str(err)[:300])))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        page.goto(base + name, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        page.evaluate(PAGE_READY)
        probe = page.evaluate(PAGE_PROBE)
    except Exception as err:  # noqa: BLE001 - a page that does not load is one problem
        problems.append(Problem(name, "load", f"{type(err).__name__}: {str(err)[:300]}"))
        page.close()
        return set()
    problems += [Problem(name, "math", m) for m in probe["math"]]
    problems += [Problem(name, "raw-math", m) for m in probe["raw"]]
    problems += [Problem(name, "image", f"did not load: {src}") for src in probe["images"]]
    problems += [Problem(name, "cell-error", m) for m in probe["errors"]]
    problems += [Problem(name, "caption", f"figure without a caption: {src}")
                 for src in probe["uncaptioned"]]
    problems += [Problem(name, "alt", f"figure without alt text that says what it shows: {m}")
                 for m in probe["alt"]]
    # Before the dropdowns are opened: the page as a reader first meets it.
    a11y_problems, rules_passed = _check_accessibility(page, name, allowlist or [], report)
    problems += a11y_problems
    nav = set(page.evaluate(NAV_LINKS))
    if screenshot_dir is not None:
        shot = screenshot_dir / (name.replace("/", "__").removesuffix(".html") + ".png")
        page.screenshot(path=str(shot), full_page=True)
    dropdown_problems, opened = _check_dropdowns(page, name)
    problems += dropdown_problems
    report.seen[name] = {"formulas": probe["typeset"], "images": probe["loaded"],
                         "dropdowns": opened, "accessibility rules passed": rules_passed}
    page.close()
    return {link.removeprefix(base) for link in nav if link.startswith(base)}


SELF_CHECK = ".lessons-self-check fieldset"


def answer_self_check(page) -> dict[str, str]:
    """Answer the page's first multiple-choice and first numeric self-check question, each
    first wrong, then right, with the mouse; return the four verdicts the page shows, and
    the feedback that the wrong choice carries (``wrong choice feedback``)."""
    verdicts = {}
    choice = page.locator(f"{SELF_CHECK}[data-kind=choice]").first
    wrong = choice.locator('input[data-right="0"]').first
    verdicts["wrong choice feedback"] = wrong.get_attribute("data-feedback") or ""
    for key, radio in (("wrong choice", wrong),
                       ("right choice", choice.locator('input[data-right="1"]'))):
        radio.check()
        choice.get_by_role("button", name="Check").click()
        verdicts[key] = choice.locator(".verdict").inner_text()
    numeric = page.locator(f"{SELF_CHECK}[data-kind=numeric]").first
    answer = float(numeric.get_attribute("data-answer"))
    tolerance = float(numeric.get_attribute("data-tolerance"))
    for key, value in (("wrong number", answer + 10 * tolerance + abs(answer)),
                       ("right number", answer)):
        numeric.get_by_role("textbox").fill(f"{value:.6g}")
        numeric.get_by_role("button", name="Check").click()
        verdicts[key] = numeric.locator(".verdict").inner_text()
    return verdicts


# Where the keyboard focus is, after each Tab: what it is, whether it is shown, and whether it
# is a self-check radio button or a solution dropdown's button.
FOCUS_PROBE = """() => {
  const e = document.activeElement;
  return {tag: e.tagName, label: (e.getAttribute('aria-label') || e.textContent || '').trim()
            .slice(0, 40), visible: e.checkVisibility({visibilityProperty: true}),
          selfCheck: !!e.closest('.lessons-self-check') && e.type === 'radio',
          solution: e.matches('.solution.dropdown button.toggle-button')};
}"""


def keyboard_walk(page, max_tabs: int = 600) -> dict[str, object]:
    """Use the page with the keyboard alone: Tab to the first self-check question, pick a
    choice with the arrow key, Tab to *Check* and press Enter; then Tab on to the first
    solution dropdown and press Enter. Returns the number of Tabs, the focused elements that
    were not visible, the verdict shown and whether the solution opened."""
    result: dict[str, object] = {"tabs": 0, "hidden focus": [], "verdict": None,
                                 "solution opened": False}
    while result["tabs"] < max_tabs:
        page.keyboard.press("Tab")
        result["tabs"] += 1
        focus = page.evaluate(FOCUS_PROBE)
        if not focus["visible"]:
            result["hidden focus"].append(f"{focus['tag']} {focus['label']!r}")
        if focus["selfCheck"] and result["verdict"] is None:
            page.keyboard.press("ArrowDown")  # moves to, and picks, the next choice
            page.keyboard.press("Tab")  # on to the Check button
            page.keyboard.press("Enter")
            result["verdict"] = page.evaluate(
                "() => document.activeElement.closest('fieldset').querySelector('.verdict')"
                ".textContent")
        if focus["solution"]:
            page.keyboard.press("Enter")
            result["solution opened"] = page.evaluate(
                "() => { const box = document.activeElement.closest('.solution');"
                " const body = box.querySelector(':scope > :not(.admonition-title):not(button)');"
                " return !!body && body.checkVisibility(); }")
            break
    return result


def check_site(html_dir: Path, screenshot_dir: Path | None = None,
               toc_pages: list[str] | None = None, pages: list[str] | None = None,
               allowlist: list[Allowed] | None = None) -> Report:
    """Open every page of the build in headless Chromium and return what was wrong.

    ``toc_pages`` are the pages the table of contents must list (paths relative to
    ``html_dir``); when given, each must be built and in the navigation. Every built chapter
    page must be in the navigation. ``pages`` limits the check to those pages (and skips the
    table-of-contents check, which needs them all). ``allowlist`` defaults to the reviewed
    ``accessibility_allowlist.yml``; ``Report.allowed`` says which of its entries were used.
    """
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir).resolve()
    if not (html_dir / "index.html").is_file():
        raise FileNotFoundError(f"no built book at {html_dir} (expected index.html): build it")
    if screenshot_dir is not None:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
    report = Report(pages=pages if pages is not None else built_pages(html_dir))
    allowlist = load_allowlist() if allowlist is None else allowlist
    in_nav: set[str] = set()
    with serve(html_dir) as base, sync_playwright() as pw:
        browser = launch(pw)
        for name in report.pages:
            # A fresh context per page: each page is a reader's first visit (empty storage).
            context = offline_context(browser, report.external,
                                      viewport={"width": 1280, "height": 900},
                                      service_workers="block")
            in_nav |= check_page(context, base, name, screenshot_dir, report, allowlist)
            context.close()
        browser.close()
    if pages is None:
        report.problems += toc_problems(report.pages, in_nav, toc_pages)
    return report


def toc_problems(pages: list[str], in_nav: set[str], toc_pages: list[str] | None) -> list[Problem]:
    """A chapter page missing from the navigation, or a toc entry not built or not linked."""
    problems = []
    for name in pages:
        if Path(name).name not in SPECIAL_PAGES and name not in in_nav:
            problems.append(Problem(name, "toc", "built but not in the table of contents"))
    for name in toc_pages or []:
        if name not in pages:
            problems.append(Problem(name, "toc", "listed in _toc.yml but not built"))
        elif name not in in_nav:
            problems.append(Problem(name, "toc", "listed in _toc.yml but not in the navigation"))
    return problems


def toc_entries(toc_file: Path) -> list[str]:
    """The pages ``_toc.yml`` lists (root, chapters, sections), as built ``.html`` paths."""
    import yaml

    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    yield str(node[key])
            for value in node.values():
                if isinstance(value, list | dict):
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    toc = yaml.safe_load(toc_file.read_text())
    return [re.sub(r"\.(md|ipynb)$", "", f) + ".html" for f in walk(toc)]


# --------------------------------------------------------------------------- offline links


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag in ("a", "span") else ("id",):
            if values.get(key):
                self.ids.add(values[key])
        for key in ("href", "src"):
            if values.get(key) and not (tag == "link" and values.get("rel") == "preconnect"):
                self.links.append(values[key])


def _parse(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def check_links(html_dir: Path) -> list[Problem]:
    """Every local ``href``/``src`` of every page resolves to a file; every ``#anchor`` exists."""
    html_dir = Path(html_dir).resolve()
    parsed = {p: _parse(p) for p in html_dir.rglob("*.html")
              if p.relative_to(html_dir).parts[0] not in SKIP_DIRS}
    problems = []
    for path, parser in parsed.items():
        name = path.relative_to(html_dir).as_posix()
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue
            target_url, anchor = urldefrag(urljoin(name, link))
            target = (html_dir / unquote(urlsplit(target_url).path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if html_dir not in target.parents and target != html_dir:
                problems.append(Problem(name, "link", f"{link} points outside the book"))
            elif not target.is_file():
                problems.append(Problem(name, "link", f"{link} -> no such file"))
            elif anchor and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(anchor) not in ids:
                    problems.append(Problem(name, "link", f"{link} -> no anchor #{anchor}"))
    return problems


# Where a launch button says the chapter's notebook is, inside the repository.
LAUNCH_PATTERNS = [
    re.compile(r"^https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/[^/]+/(?P<path>[^?#]+)"),
    re.compile(r"^https://mybinder\.org/v2/gh/[^?]+\?.*urlpath=(?:lab/tree|tree)/(?P<path>[^&#]+)"),
]


def check_launch_links(html_dir: Path, repo_root: Path) -> list[Problem]:
    """Every Colab/Binder launch button opens a notebook that exists in the repository.

    Offline: the file named in the button's URL must exist under ``repo_root`` (the URL's
    repository and branch are the configured ones; that they are published is not checked).
    """
    html_dir, problems = Path(html_dir).resolve(), []
    for page in sorted(html_dir.rglob("*.html")):
        name = page.relative_to(html_dir).as_posix()
        if name.split("/")[0] in SKIP_DIRS:
            continue
        for link in _parse(page).links:
            for pattern in LAUNCH_PATTERNS:
                match = pattern.match(link)
                if match:
                    path = unquote(match["path"]).removeprefix("./")
                    if not (repo_root / path).is_file():
                        problems.append(Problem(name, "launch", f"{link} -> no {path} in repo"))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check a built book from the command line; exit 1 when anything is broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", type=Path)
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--toc", type=Path, default=None, help="the book's _toc.yml")
    parser.add_argument("--repo", type=Path, default=None,
                        help="repository root, to check the launch buttons' notebooks")
    args = parser.parse_args(argv)
    toc = toc_entries(args.toc) if args.toc else None
    report = check_site(args.html_dir, args.screenshots, toc)
    problems = report.problems + check_links(args.html_dir)
    if args.repo:
        problems += check_launch_links(args.html_dir, args.repo)
    for problem in problems:
        print(problem)
    for name, seen in report.seen.items():
        print(f"{name}: " + ", ".join(f"{n} {what}" for what, n in seen.items()))
    print(f"{len(report.pages)} pages, {len(problems)} problems, "
          f"{len(report.external)} external requests answered locally")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
