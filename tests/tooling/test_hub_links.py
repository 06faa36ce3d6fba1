"""nbgitpuller links to the student edition on a class's JupyterHub (tooling.hub_links)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import ROOT

from lessons_lib.tooling import hub_links


def pulled(link: str) -> tuple[str, dict[str, str]]:
    """The link's address part and its query, decoded the way the hub decodes it."""
    parts = urlsplit(link)
    query = {key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query


def test_the_link_parses_back_to_repository_branch_target_and_path() -> None:
    link = hub_links.pull_link("https://hub.example.edu/", "https://github.com/me/rnn-book",
                               "student", "01_recurrence.ipynb")
    address, query = pulled(link)
    assert address == "https://hub.example.edu/hub/user-redirect/git-pull"
    # Not nbgitpuller's default folder, rnn-book: the book's JupyterHub button clones main there.
    assert query == {"repo": "https://github.com/me/rnn-book", "branch": "student",
                     "targetpath": "rnn-book-student",
                     "urlpath": "lab/tree/rnn-book-student/01_recurrence.ipynb"}


def test_a_target_folder_can_be_named_and_a_branch_s_slash_is_not_a_subfolder() -> None:
    link = hub_links.pull_link("https://hub.example.edu", "https://github.com/me/rnn-book",
                               "student", "01_recurrence.ipynb", target="courses/rnn")
    assert pulled(link)[1]["targetpath"] == "courses/rnn"
    assert pulled(link)[1]["urlpath"] == "lab/tree/courses/rnn/01_recurrence.ipynb"
    link = hub_links.pull_link("https://hub.example.edu", "https://github.com/me/rnn-book",
                               "fall/2026", "01_recurrence.ipynb")
    assert pulled(link)[1]["targetpath"] == "rnn-book-fall-2026"
    for target in ("/home/jovyan", "../elsewhere"):
        with pytest.raises(ValueError, match="target folder inside the student's home"):
            hub_links.pull_link("https://hub.example.edu", "https://github.com/me/rnn-book",
                                "student", "a.ipynb", target=target)


def test_special_characters_are_escaped() -> None:
    link = hub_links.pull_link("https://hub.example.edu/prefix", "https://git.example.org/a b&c",
                               "fall+2026", "weeks/1 & 2.ipynb", app="notebook")
    assert " " not in link and link.count("&") == 3  # only the separators of the four fields
    address, query = pulled(link)
    assert address == "https://hub.example.edu/prefix/hub/user-redirect/git-pull"
    assert query == {"repo": "https://git.example.org/a b&c", "branch": "fall+2026",
                     "targetpath": "a b&c-fall+2026",
                     "urlpath": "tree/a b&c-fall+2026/weeks/1 & 2.ipynb"}


@pytest.mark.parametrize("hub, message", [
    ("hub.example.edu", "http"),
    ("ftp://hub.example.edu", "http"),
    ("https://", "http"),
    ("https://hub.example.edu/hub/", "base address"),
    ("https://hub.example.edu/user/ada/lab", "base address"),
    ("https://hub.example.edu/?next=x", "query"),
])
def test_a_hub_address_that_cannot_work_is_refused(hub: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hub_links.pull_link(hub, "https://github.com/me/rnn-book", "student", "a.ipynb")


@pytest.mark.parametrize("repo, branch, path, app, message", [
    ("git@github.com:me/rnn-book", "student", "a.ipynb", "lab", "repository's address"),
    ("https://github.com/me/rnn-book", "", "a.ipynb", "lab", "branch"),
    ("https://github.com/me/rnn-book", "my branch", "a.ipynb", "lab", "branch"),
    ("https://github.com/me/rnn-book", "a..b", "a.ipynb", "lab", "branch"),
    ("https://github.com/me/rnn-book", "student", "/etc/passwd", "lab", "inside the repository"),
    ("https://github.com/me/rnn-book", "student", "../a.ipynb", "lab", "inside the repository"),
    ("https://github.com/me/rnn-book", "student", "a.ipynb", "classic", "app"),
])
def test_bad_repository_branch_path_or_app_is_refused(repo: str, branch: str, path: str,
                                                      app: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hub_links.pull_link("https://hub.example.edu", repo, branch, path, app)


def test_command_line_prints_a_link_per_chapter_for_the_configured_repository(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "_config.yml").write_text("repository:\n  url: https://github.com/me/fork/\n")
    (tmp_path / "book").mkdir()
    for chapter in ["01_recurrence", "02_numpy_rnn"]:
        (tmp_path / "book" / f"{chapter}.ipynb").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert hub_links.main(["--hub", "https://hub.example.edu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    queries = [pulled(line)[1] for line in lines]
    assert [q["urlpath"] for q in queries] == ["lab/tree/fork-student/01_recurrence.ipynb",
                                               "lab/tree/fork-student/02_numpy_rnn.ipynb"]
    assert {q["repo"] for q in queries} == {"https://github.com/me/fork"}
    assert {q["branch"] for q in queries} == {"student"}
    assert {q["targetpath"] for q in queries} == {"fork-student"}


def test_command_line_links_the_chapters_handed_out(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "handout").mkdir()
    (tmp_path / "handout" / "02_numpy_rnn.ipynb").write_text("{}")
    monkeypatch.chdir(ROOT)
    hub = ["--hub", "https://hub.example.edu", "--repo", "https://github.com/me/rnn-book"]
    assert hub_links.main([*hub, "--handout", str(tmp_path / "handout")]) == 0
    urlpaths = [pulled(line)[1]["urlpath"] for line in capsys.readouterr().out.splitlines()]
    assert urlpaths == ["lab/tree/rnn-book-student/02_numpy_rnn.ipynb"]  # not every chapter
    assert hub_links.main([*hub, "--handout", str(tmp_path / "handout"), "01_recurrence"]) == 2
    assert "expected chapter ids of" in capsys.readouterr().err  # not handed out yet
    assert hub_links.main([*hub, "--handout", str(tmp_path / "nope")]) == 2
    assert "write the student edition there first" in capsys.readouterr().err
    assert hub_links.main([*hub, "--target-path", "rnn", "01_recurrence"]) == 0
    assert pulled(capsys.readouterr().out.strip())[1]["targetpath"] == "rnn"


def test_command_line_refuses_an_unknown_chapter_and_a_bad_hub(
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert hub_links.main(["--hub", "https://hub.example.edu", "99_nope"]) == 2
    assert "99_nope" in capsys.readouterr().err
    assert hub_links.main(["--hub", "hub.example.edu", "01_recurrence"]) == 2
    assert "http(s) address" in capsys.readouterr().err
    assert hub_links.main(["--hub", "https://hub.example.edu", "--branch", "fall",
                           "01_recurrence.ipynb"]) == 0
    assert pulled(capsys.readouterr().out.strip())[1]["branch"] == "fall"
