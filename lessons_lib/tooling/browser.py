"""A built book in headless Chromium, offline: what the browser test and ``make pdf`` share.

``serve(html_dir)`` serves a build on a free localhost port; ``offline_context(browser)`` opens
a browser context whose only requests that leave the page go to that server. MathJax, which
the pages load from a CDN, is answered from a local copy (the PyPI package
``django-static-mathjax`` ships MathJax 3 with no other dependency), so the math is really
typeset; every other external request (fonts, analytics, Thebe) is answered with an empty
``204`` and recorded, so nothing reaches the internet or waits on it. Chromium is Debian's
(``apt-get install chromium``) or the one ``$CHROMIUM`` names; Playwright drives it.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

# Debian's Chromium, or the browser named by $CHROMIUM (the Makefile checks it is there).
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
MATHJAX_URL = re.compile(r"/mathjax@3[^/]*/(?P<path>[^?#]+)")
# Evaluated in a page after it has loaded: waits until MathJax has typeset and every image has
# loaded (or failed), lazy ones included, so that what is measured next is the finished page.
PAGE_READY = r"""
async () => {
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  for (const img of document.querySelectorAll('img[loading="lazy"]')) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done);
                            setTimeout(done, 10000); })));
}
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep the output clean: failed requests are reported by the browser."""


@contextmanager
def serve(html_dir: Path) -> Iterator[str]:
    """Serve ``html_dir`` on a free localhost port in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def local_mathjax_dir() -> Path:
    """The folder of the local MathJax 3 copy (``es5/tex-mml-chtml.js`` inside it)."""
    try:
        import mathjax  # shipped by the PyPI package django-static-mathjax
    except ImportError as err:
        raise RuntimeError(
            "the browser needs a local MathJax 3: pip install django-static-mathjax"
        ) from err
    folder = Path(mathjax.__file__).parent / "static" / "mathjax"
    if not (folder / "es5" / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"expected MathJax 3 at {folder}/es5/tex-mml-chtml.js, found nothing")
    return folder.resolve()


def route_offline(route, mathjax_dir: Path, external: set[str]) -> None:
    """Local requests go through; MathJax comes from disk; anything else gets an empty 204
    and its address is added to ``external``."""
    url = route.request.url
    if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
        return
    match = MATHJAX_URL.search(url)
    if match:
        path = (mathjax_dir / match["path"]).resolve()
        if mathjax_dir in path.parents and path.is_file():
            route.fulfill(path=str(path))
        else:
            route.fulfill(status=404, body=f"not in the local MathJax: {match['path']}")
        return
    external.add(url)
    route.fulfill(status=204, body="")


def launch(playwright):
    """Headless Chromium, or a clear error when it is not installed."""
    if not Path(CHROMIUM).is_file():
        raise FileNotFoundError(f"expected Chromium at {CHROMIUM}: install it (Debian and "
                                "Ubuntu: apt-get install chromium) or set CHROMIUM to its path")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


@contextmanager
def open_page(html_dir: Path, name: str, **options) -> Iterator:
    """The page ``name`` of the build in ``html_dir``, served, open offline in headless
    Chromium and ready (``PAGE_READY``); ``options`` as Playwright's ``new_context``."""
    from playwright.sync_api import sync_playwright

    with serve(html_dir) as base, sync_playwright() as pw:
        browser = launch(pw)
        page = offline_context(browser, **options).new_page()
        page.goto(base + name, wait_until="load", timeout=120_000)
        page.evaluate(PAGE_READY)
        yield page
        browser.close()


def offline_context(browser, external: set[str] | None = None, **options):
    """A new browser context (``options`` as Playwright's ``new_context``) whose requests
    stay on this machine (``route_offline``); external addresses are added to ``external``."""
    mathjax_dir = local_mathjax_dir()
    seen = external if external is not None else set()
    context = browser.new_context(**options)
    context.route("**/*", lambda route: route_offline(route, mathjax_dir, seen))
    return context
