"""Links that open a chapter of the student edition on a class's JupyterHub (nbgitpuller).

A JupyterHub with nbgitpuller installed serves links of the form

    <hub>/hub/user-redirect/git-pull?repo=<repository>&branch=<branch>&targetpath=<dir>
        &urlpath=lab/tree/<dir>/<path>

A click logs the student in, clones the repository's branch into ``<dir>`` in their home
folder (or, on later clicks, pulls what changed, keeping the student's own edits), then opens
``<path>`` in JupyterLab. A class wants the student edition there, not the book's chapters,
which hold the solutions: the instructors page publishes it on a branch of its own
(``student``) with the chapters at the branch's root.

``<dir>`` is nbgitpuller's ``targetpath``, here ``<repository name>-<branch>``
(``rnn-book-student``) unless ``--target-path`` names another. Without it nbgitpuller would
clone into the repository's name, ``rnn-book``: the folder the book's own JupyterHub button
(``launch_buttons.jupyterhub_url`` in ``_config.yml``) clones ``main`` into, so a student who
clicked both would get a pull that fails (two unrelated histories in one folder). Run

    python -m lessons_lib.tooling.hub_links --hub https://hub.example.edu --handout handout/

to print one link per chapter: the chapters named, else those in the ``--handout`` folder
(what ``student_edition`` wrote there), else every chapter of ``book/``; for the repository
set in ``_config.yml`` unless ``--repo`` names another.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit

from lessons_lib.tooling.notebooks import chapter_notebooks
from lessons_lib.tooling.setup_cells import repository

# The page each Jupyter front end opens a file with (nbgitpuller's ``urlpath``).
APP_PREFIXES = {"lab": "lab/tree", "notebook": "tree"}
STUDENT_BRANCH = "student"
# What git refuses in a branch name (git check-ref-format), as far as a link needs to know.
_BAD_BRANCH = re.compile(r"(^[-/.])|(\.\.)|([\s~^:?*\[\\])|(@\{)|([/.]$)|(\.lock$)|(//)")


def _web_address(url: str, what: str) -> str:
    """``url`` without a trailing slash; ``ValueError`` unless it is an http(s) address."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"expected the {what} as an http(s) address such as "
                         f"https://hub.example.edu, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"expected the {what} without a query or '#' part, got {url!r}")
    return url.strip().rstrip("/")


def hub_address(hub_url: str) -> str:
    """The hub's base address, checked: ``https://hub.example.edu`` (no ``/hub/...``)."""
    hub = _web_address(hub_url, "JupyterHub's address")
    if re.search(r"/(hub|user)(/|$)", urlsplit(hub).path):
        raise ValueError(f"expected the hub's base address, the part before /hub/ or /user/ "
                         f"(such as https://hub.example.edu), got {hub_url!r}")
    return hub


def target_folder(repo_url: str, branch: str) -> str:
    """The folder the links clone ``branch`` into: ``<repository name>-<branch>``, apart from
    the repository's name, where nbgitpuller (and the book's JupyterHub button) clone ``main``
    by default. A ``/`` of the branch becomes ``-``."""
    return f"{repo_url.rstrip('/').split('/')[-1]}-{branch.replace('/', '-')}"


def _relative(path: str, what: str, example: str) -> PurePosixPath:
    """``path`` as a relative path that stays where it is put; ``ValueError`` otherwise."""
    relative = PurePosixPath(path)
    if not path or relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"expected {what} such as {example!r}, got {path!r}")
    return relative


def pull_link(hub_url: str, repo_url: str, branch: str, path: str, app: str = "lab",
              target: str | None = None) -> str:
    """The nbgitpuller link that clones ``repo_url``'s ``branch`` on the hub into ``target``
    (default: :func:`target_folder`) and opens ``path`` there.

    ``path`` is relative to the branch's root (``01_recurrence.ipynb`` on the student
    branch); ``target`` is relative to the student's home; ``app`` is ``lab`` (JupyterLab) or
    ``notebook`` (Jupyter Notebook). Raises ``ValueError`` on an address that is not http(s),
    a branch git would refuse, or a path or target that leaves where it belongs.
    """
    hub = hub_address(hub_url)
    repo = _web_address(repo_url, "repository's address")
    if not branch or _BAD_BRANCH.search(branch):
        raise ValueError(f"expected a git branch name such as {STUDENT_BRANCH!r}, got {branch!r}")
    relative = _relative(path, "a path inside the repository", "01_recurrence.ipynb")
    folder = _relative(target_folder(repo, branch) if target is None else target,
                       "a target folder inside the student's home", "rnn-book-student")
    if app not in APP_PREFIXES:
        raise ValueError(f"expected app to be one of {sorted(APP_PREFIXES)}, got {app!r}")
    urlpath = f"{APP_PREFIXES[app]}/{folder.as_posix()}/{relative.as_posix()}"
    query = urlencode({"repo": repo, "branch": branch, "targetpath": folder.as_posix(),
                       "urlpath": urlpath})
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def chapter_links(hub_url: str, repo_url: str, branch: str, chapters: list[str],
                  app: str = "lab", target: str | None = None) -> dict[str, str]:
    """``{chapter id: link}`` for chapters at the root of ``branch`` (the student edition)."""
    return {chapter: pull_link(hub_url, repo_url, branch, f"{chapter}.ipynb", app, target)
            for chapter in chapters}


def _chapters(named: list[str], book: Path, handout: Path | None = None) -> list[str]:
    """The chapter ids to link: ``named``, else every chapter in ``handout`` (when given),
    else every chapter of ``book``; checked against the folder they come from."""
    folder = book if handout is None else handout
    known = [path.stem for path in chapter_notebooks(folder)] if folder.is_dir() else []
    if not known:
        hint = ("write the student edition there first (python -m "
                "lessons_lib.tooling.student_edition DIR)" if handout is not None
                else "give --book the book's folder")
        raise ValueError(f"expected chapter notebooks in {folder}/, found none: {hint}")
    wanted = [name.removesuffix(".ipynb") for name in named] or known
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValueError(f"expected chapter ids of {folder}/ ({', '.join(known)}), "
                         f"got {', '.join(unknown)}")
    return wanted


def main(argv: list[str] | None = None) -> int:
    """Command line: print one nbgitpuller link per chapter."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.hub_links",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help="chapter ids such as 01_recurrence (default: the chapters in "
                        "--handout when it is given, else every chapter of --book)")
    parser.add_argument("--hub", required=True, help="the hub's address, https://...")
    parser.add_argument("--repo", help="the repository (default: repository.url of --config)")
    parser.add_argument("--branch", default=STUDENT_BRANCH,
                        help=f"the branch holding the student edition ({STUDENT_BRANCH})")
    parser.add_argument("--handout", type=Path, metavar="DIR",
                        help="the folder student_edition wrote: link the chapters in it")
    parser.add_argument("--target-path", metavar="DIR",
                        help="the folder of the student's home the branch is cloned into "
                        "(default: <repository name>-<branch>, such as rnn-book-student, "
                        "apart from where the book's JupyterHub button clones the book)")
    parser.add_argument("--app", choices=sorted(APP_PREFIXES), default="lab",
                        help="the front end the link opens: lab (JupyterLab, the default) or "
                        "notebook (Jupyter Notebook)")
    parser.add_argument("--config", type=Path, default=Path("_config.yml"),
                        help="the book's _config.yml, for its repository.url (default: "
                        "_config.yml)")
    parser.add_argument("--book", type=Path, default=Path("book"),
                        help="the book's folder, whose chapters are the ones known "
                        "(default: book)")
    args = parser.parse_args(argv)
    try:
        repo = args.repo or repository(args.config)[0]
        chapters = _chapters(args.chapters, args.book, args.handout)
        links = chapter_links(args.hub, repo, args.branch, chapters, args.app,
                              args.target_path)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for link in links.values():
        print(link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
