"""The sandbox of one graded submission: its folders, environment, copied cache, leftover
processes, memory watch and container command line (lessons_lib.tooling.isolation).

These tests run as root here (as CI and many instructors' containers do), and root ignores
file modes: so the seed is protected by copying it, and the tests show that a write, a removal
or an addition in a sandbox's cache leaves the seed as it was, whoever runs them.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import psutil
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from lessons_lib import cache
from lessons_lib.tooling import grade, isolation
from lessons_lib.tooling.isolation import (
    MemoryWatch,
    container_argv,
    find_engine,
    remove_container,
    remove_tree,
    run_folder,
    sandbox,
    stop_leftovers,
)

IS_ROOT = os.geteuid() == 0


def make_seed(folder: Path) -> Path:
    """An instructor's cache: a model, a corpus, a lock, an unfinished write and a link."""
    seed = folder / "seed"
    cache.save_weights(seed / "models" / "lstm.npz", [np.arange(3.0)], {"kind": "lstm"})
    cache.atomic_write(seed / "imdb-corpus.npz", b"corpus")
    (seed / "models" / "lstm.npz.lock").write_bytes(b"")
    (seed / "models" / ".lstm.npz.x1.tmp").write_bytes(b"half")
    (seed / "elsewhere").symlink_to("/etc/hostname")
    return seed


# --- folders and environment -----------------------------------------------------------------


def test_sandbox_makes_its_folders_and_removes_them_even_when_the_body_raises(tmp_path):
    with pytest.raises(RuntimeError, match="student"), sandbox(tmp_path, "a/b c", None) as box:
        assert box.root.parent == tmp_path.resolve() and box.root.name.startswith("grade-a_b_c-")
        assert [p.name for p in sorted(box.root.iterdir())] == ["answers", "cache", "home", "tmp",
                                                                "work"]
        (box.home / "locked").mkdir()
        (box.home / "locked" / "file").write_text("x")
        (box.home / "locked").chmod(0)  # a student's code can do this to its own folders
        raise RuntimeError("the student's notebook broke the grader")
    assert list(tmp_path.iterdir()) == []


def test_env_moves_every_per_user_folder_into_the_sandbox(tmp_path):
    base = {"HOME": "/home/teacher", "PATH": "/usr/bin", "PYTHONPATH": "/evil",
            "PYTHONSTARTUP": "/evil/start.py", "PYTHONHOME": "/evil", "LESSONS_BOOK_BUILD": "1",
            "LESSONS_IMDB_ARCHIVE": "/data/aclImdb_v1.tar.gz", "LESSONS_CACHE_DIR": "/teacher",
            "SSH_AUTH_SOCK": "/run/agent", "GITHUB_TOKEN": "t", "AWS_SECRET_ACCESS_KEY": "k",
            "OPENAI_API_KEY": "k", "DB_PASSWORD": "p"}
    with sandbox(tmp_path, "alice", None) as box:
        env = box.env(base)
        home = str(box.home)
        assert env["HOME"] == home and env["TMPDIR"] == env["TMP"] == env["TEMP"] == str(box.tmp)
        for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "MPLCONFIGDIR",
                     "KERAS_HOME", "IPYTHONDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR"):
            assert env[name].startswith(home + "/"), name
        assert env["LESSONS_CACHE_DIR"] == str(box.cache)
        assert env["LESSONS_ANSWERS_DIR"] == str(box.answers)
        assert env["PYTHONNOUSERSITE"] == "1"
        assert not {"PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME"} & env.keys()
        assert not {"SSH_AUTH_SOCK", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY",
                    "DB_PASSWORD"} & env.keys()
        assert (env["PATH"], env["LESSONS_IMDB_ARCHIVE"], env["LESSONS_BOOK_BUILD"]) == (
            "/usr/bin", "/data/aclImdb_v1.tar.gz", "1")
        assert base["HOME"] == "/home/teacher"  # the caller's mapping is left alone


def test_env_points_at_the_instructors_downloaded_imdb_archive(tmp_path):
    archive = tmp_path / "teacher" / ".keras" / "datasets" / "aclImdb_v1.tar.gz"
    with sandbox(tmp_path, "alice", None) as box:
        assert "LESSONS_IMDB_ARCHIVE" not in box.env({"HOME": str(tmp_path / "teacher")})
        archive.parent.mkdir(parents=True)
        archive.write_bytes(b"reviews")
        env = box.env({"HOME": str(tmp_path / "teacher")})
    assert env["LESSONS_IMDB_ARCHIVE"] == str(archive.resolve())


def test_a_kernel_writes_nothing_under_the_instructors_home(tmp_path):
    """Keras' config, matplotlib's font cache, IPython's history, temporary files and the
    course's cache of a real kernel all land in the sandbox."""
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    cells = ["import keras, matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt",
             "figure = plt.figure(); plt.title('words'); figure.canvas.draw()",
             "import tempfile\nwith tempfile.NamedTemporaryFile(delete=False) as f: f.write(b'x')",
             "from lessons_lib import cache\ncache.atomic_write(cache.model_dir() / 'm.npz', b'm')",
             "print(1 + 1)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    with sandbox(tmp_path, "alice", None) as box:
        env = box.env({**os.environ, "HOME": str(teacher)})
        client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                kernel_manager_class=grade.kernel_manager_class(sys.executable),
                                resources={"metadata": {"path": str(box.tmp)}})
        client.execute(env=env)
        written = {p.relative_to(box.root).as_posix() for p in box.root.rglob("*") if p.is_file()}
    assert nb.cells[-1].outputs[0]["text"] == "2\n"
    assert list(teacher.iterdir()) == []
    assert "home/.keras/keras.json" in written
    assert any(name.startswith("home/.config/matplotlib/fontlist") for name in written)
    assert any(name.startswith("home/.ipython/profile_default/") for name in written)
    assert "cache/models/m.npz" in written
    assert any(name.startswith("tmp/") for name in written)


# --- the seeded cache ------------------------------------------------------------------------


def test_the_cache_is_a_copy_of_the_seed_whose_files_stay_as_they_were(tmp_path):
    seed = make_seed(tmp_path)
    (seed / "models").chmod(0o555)  # a read-only seed folder must not make the copy read-only
    before = isolation.seed_manifest(seed)
    with sandbox(tmp_path, "alice", seed) as box:
        copied = sorted(p.relative_to(box.cache).as_posix() for p in box.cache.rglob("*"))
        assert copied == ["imdb-corpus.npz", "models", "models/lstm.npz"]  # no lock, tmp, link
        assert not any(p.is_symlink() for p in box.cache.rglob("*"))
        assert (box.cache / "imdb-corpus.npz").read_bytes() == b"corpus"
        assert (box.cache / "models").stat().st_mode & stat.S_IWUSR
        # What a submission does to its cache, as root or not: only its copy changes.
        with open(box.cache / "imdb-corpus.npz", "ab") as handle:
            handle.write(b" poisoned")
        (box.cache / "models" / "lstm.npz").unlink()
        (box.cache / "models" / "gru.npz").write_bytes(b"planted")
        assert isolation.seed_changes(seed, before) == []
    assert isolation.seed_manifest(seed) == before  # not even a mode changed: no chmod
    assert (seed / "imdb-corpus.npz").read_bytes() == b"corpus"
    assert cache.load_weights(seed / "models" / "lstm.npz")[0] == {"kind": "lstm"}
    assert not (seed / "models" / "gru.npz").exists()
    with sandbox(tmp_path, "bob", seed) as neighbour:  # the next submission gets the seed's
        assert (neighbour.cache / "imdb-corpus.npz").read_bytes() == b"corpus"
        assert not (neighbour.cache / "models" / "gru.npz").exists()
    (seed / "models").chmod(0o755)


def test_a_chapter_loads_from_the_copy_and_writes_into_the_sandbox(tmp_path, monkeypatch):
    seed = make_seed(tmp_path)
    with sandbox(tmp_path, "alice", seed) as box:
        monkeypatch.setenv("LESSONS_CACHE_DIR", str(box.cache))
        model = cache.model_dir() / "lstm.npz"
        with cache.exclusive_lock(model):
            meta, weights = cache.load_weights(model)
            assert meta == {"kind": "lstm"} and np.array_equal(weights[0], np.arange(3.0))
            cache.save_weights(model, [np.ones(2)], {"kind": "retrained"})
            cache.save_weights(cache.model_dir() / "gru.npz", [np.ones(1)], {"kind": "gru"})
        assert (box.cache / "models" / "lstm.npz.lock").is_file()
        assert cache.load_weights(model)[0] == {"kind": "retrained"}
    assert cache.load_weights(seed / "models" / "lstm.npz")[0] == {"kind": "lstm"}
    assert not (seed / "models" / "gru.npz").exists()


def test_a_missing_seed_gives_an_empty_cache_and_a_file_is_refused(tmp_path):
    with sandbox(tmp_path, "alice", tmp_path / "never-built") as box:
        assert list(box.cache.iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="expected a folder as the seed cache"):
        with sandbox(tmp_path, "alice", tmp_path / "file"):
            pass
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_seed_changes_names_every_changed_removed_or_added_file(tmp_path):
    """What a student's code, running as the instructor, can still do to the seed itself (it
    can guess the path): found and reported, not prevented."""
    seed = make_seed(tmp_path)
    (seed / "models" / "lstm.npz").chmod(0o644)
    manifest = isolation.seed_manifest(seed)
    assert set(manifest) == {"imdb-corpus.npz", "models/lstm.npz"}
    assert isolation.seed_changes(seed, manifest) == []
    (seed / "models" / "lstm.npz.lock").write_bytes(b"held")  # a lock is not a change
    (seed / "models" / "lstm.npz").chmod(0o600)
    corpus = seed / "imdb-corpus.npz"
    corpus.unlink()
    corpus.write_bytes(b"poisoned!")
    corpus.chmod(manifest["imdb-corpus.npz"].mode)
    (seed / "models" / "gru.npz").write_bytes(b"")
    changes = isolation.seed_changes(seed, manifest)
    assert len(changes) == 3
    assert "imdb-corpus.npz in the seed cache" in changes[0] and "rewritten" in changes[0]
    assert changes[1].startswith("models/gru.npz was added")
    assert "models/lstm.npz" in changes[2] and "from 644 to 600" in changes[2]
    corpus.unlink()
    assert isolation.seed_changes(seed, manifest)[0].startswith("imdb-corpus.npz was removed")


def test_a_seed_of_many_megabytes_is_copied_whole(tmp_path):
    """A seed of 64 MB in 32 files (the module's docstring gives the copy's cost for the
    course's cache, measured; no time is asserted here, on a shared machine)."""
    seed = tmp_path / "seed"
    (seed / "models").mkdir(parents=True)
    for index in range(32):
        (seed / "models" / f"m{index}.npz").write_bytes(os.urandom(2 * 2**20))
    with sandbox(tmp_path, "alice", seed) as box:
        copies = sorted((box.cache / "models").iterdir())
        assert [p.name for p in copies] == sorted(f"m{i}.npz" for i in range(32))
        assert all(p.read_bytes() == (seed / "models" / p.name).read_bytes() for p in copies)


# --- the run folder, the working folder, processes left behind ---------------------------


def test_the_run_folder_is_private_unguessable_and_removed(tmp_path):
    with run_folder(tmp_path) as first, run_folder(tmp_path) as second:
        assert first != second and first.parent == tmp_path.resolve()
        assert first.name.startswith("lessons-grading-") and len(first.name) > 20
        assert stat.S_IMODE(first.stat().st_mode) == 0o700
        with sandbox(first, "alice", None) as box:
            assert box.root.parent == first
        (first / "left").write_text("x")
    assert list(tmp_path.iterdir()) == []


def test_copy_submission_leaves_classmates_notebooks_and_folders_behind(tmp_path):
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    for folder in (alice, bob):
        folder.mkdir()
        (folder / "01_recurrence.ipynb").write_text("{}")
    (alice / "data.csv").write_text("1,2")
    (alice / "draft.ipynb").write_text("{}")
    (alice / "big-folder").mkdir()
    (alice / "peek").symlink_to(bob / "01_recurrence.ipynb")
    with sandbox(tmp_path, "alice", None) as box:
        copy = isolation.copy_submission(alice / "01_recurrence.ipynb", box.work)
        assert copy == box.work / "01_recurrence.ipynb" and copy.read_text() == "{}"
        assert sorted(p.name for p in box.work.iterdir()) == ["01_recurrence.ipynb", "data.csv"]
    with sandbox(tmp_path, "alice", None) as box:  # what a kernel outside a container gets
        isolation.copy_submission(alice / "01_recurrence.ipynb", box.work, with_notebook=False)
        assert [p.name for p in box.work.iterdir()] == ["data.csv"]


SLEEP = "import time; time.sleep(60)  # "
DAEMON = f"SLEEP = {SLEEP!r}\n" + """
import os, sys, time
# Detach as a daemon does: fork, new session, fork again; the first two exit at once.
if os.fork():
    os.wait()
    sys.exit(0)
os.setsid()
if os.fork():
    os._exit(0)
os.chdir(sys.argv[2])
env = dict(os.environ) if sys.argv[3] == "keep" else {"PATH": "/usr/bin"}
if sys.argv[3] == "clean":  # re-executed with a clean environment, outside the folder
    os.execve(sys.executable, [sys.executable, "-c", SLEEP + sys.argv[1]], env)
handle = open(sys.argv[4], "a") if sys.argv[4] else None
with open(sys.argv[1], "w") as out:
    out.write(str(os.getpid()))
while True:
    time.sleep(0.05)
"""


def start_daemon(tmp_path: Path, name: str, cwd: Path, env: dict[str, str], mode: str,
                 open_file: Path | None = None) -> psutil.Process:
    """A detached daemon (double fork, ``setsid``), working in ``cwd``, that keeps ``env``
    (``mode`` "keep"), drops it ("drop") or re-executes with a clean one ("clean"); with
    ``open_file`` held open. Returns it, once it is running."""
    pid_file = tmp_path / f"{name}.pid"
    subprocess.run([sys.executable, "-c", DAEMON, str(pid_file), str(cwd), mode,
                    str(open_file or "")], env=env, check=True, timeout=30)
    deadline = time.monotonic() + 10
    while mode != "clean" and not pid_file.is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    if mode == "clean":
        time.sleep(0.5)
        return next(p for p in psutil.process_iter(["cmdline"])
                    if p.info["cmdline"] == [sys.executable, "-c", SLEEP + str(pid_file)])
    return psutil.Process(int(pid_file.read_text()))


def is_gone(process: psutil.Process, timeout: float = 5.0) -> bool:
    """Whether ``process`` ends (or is a zombie) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_dead(process):
            return True
        time.sleep(0.05)
    return False


def test_leftover_daemons_pointing_into_a_sandbox_are_killed(tmp_path):
    """Found by environment, by working folder or by an open file; a process that does none
    of these (re-executed with a clean environment, outside the folder) escapes, as the
    module's docstring says."""
    outside = tmp_path / "outside"
    outside.mkdir()
    with sandbox(tmp_path, "alice", None) as box:
        (box.tmp / "held").write_text("x")
        clean = {"PATH": os.environ["PATH"]}
        by_env = start_daemon(tmp_path, "env", outside, box.env(os.environ), "keep")
        by_cwd = start_daemon(tmp_path, "cwd", box.home, clean, "drop")
        by_file = start_daemon(tmp_path, "file", outside, clean, "drop", box.tmp / "held")
        stranger = start_daemon(tmp_path, "stranger", outside, clean, "drop")
        escaped = start_daemon(tmp_path, "escaped", outside, box.env(os.environ), "clean")
        try:
            assert stop_leftovers(box.root) == 3
            assert all(is_gone(p) for p in (by_env, by_cwd, by_file))
            assert not is_dead(stranger) and not is_dead(escaped)
            assert stop_leftovers(box.root) == 0
        finally:
            for process in (stranger, escaped):
                process.kill()


def test_a_sandbox_kills_what_points_into_it_when_it_is_removed(tmp_path):
    with sandbox(tmp_path, "alice", None) as box:
        daemon = start_daemon(tmp_path, "env", tmp_path, box.env(os.environ), "keep")
    assert is_gone(daemon) and list(tmp_path.glob("grade-*")) == []
    with run_folder(tmp_path) as folder:
        daemon = start_daemon(tmp_path, "cwd", folder, {"PATH": os.environ["PATH"]}, "drop")
    assert is_gone(daemon)


# --- the memory watch ------------------------------------------------------------------------


def allocate(megabytes: int, seconds: float, children: int = 0) -> subprocess.Popen:
    """A Python that touches ``megabytes`` MB, then sleeps; with ``children``, through that
    many children of its own, which wait half a second (while it prints their process ids)
    and then each allocate that much."""
    code = (f"import subprocess, sys, time\n"
            f"kids = [subprocess.Popen([sys.executable, '-c', sys.argv[1]]) "
            f"for _ in range({children})]\n"
            f"print(*[kid.pid for kid in kids], flush=True)\n"
            f"block = b'x' * ({megabytes} * 2**20) if not kids else b''\n"
            f"time.sleep({seconds})")
    leaf = (f"import time\ntime.sleep(0.5)\nblock = b'x' * ({megabytes} * 2**20)\n"
            f"time.sleep({seconds})")
    return subprocess.Popen([sys.executable, "-c", code, leaf], stdout=subprocess.PIPE, text=True)


def is_dead(process: psutil.Process) -> bool:
    """Gone, or a zombie waiting to be reaped (a container's init may never reap it)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_kernel_over_the_limit_is_killed():
    with MemoryWatch(150, interval=0.05) as watch:
        child = allocate(300, seconds=30)
        assert child.wait(timeout=20) == -9
    assert watch.exceeded and watch.peak_mb > 150
    assert watch.summary() == ("the notebook's processes used more than 150 MB (the memory "
                               "limit) and were stopped")


def test_the_limit_is_on_the_sum_over_the_tree_and_kills_grandchildren():
    with MemoryWatch(150, interval=0.05) as watch:
        parent = allocate(100, seconds=30, children=2)  # two grandchildren of 100 MB each
        family = [psutil.Process(int(pid)) for pid in parent.stdout.readline().split()]
        assert parent.wait(timeout=20) == -9
        parent.stdout.close()
    assert watch.exceeded
    assert len(family) == 2
    deadline = time.monotonic() + 5
    while not all(map(is_dead, family)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(map(is_dead, family))


def test_a_kernel_under_the_limit_runs_to_its_end():
    with MemoryWatch(150, interval=0.05) as watch:
        assert allocate(20, seconds=1).wait(timeout=20) == 0
    assert not watch.exceeded and 20 < watch.peak_mb < 150 and watch.summary() == ""
    with MemoryWatch(0, interval=0.05) as only_measuring:
        assert allocate(200, seconds=1).wait(timeout=20) == 0
    assert not only_measuring.exceeded and only_measuring.peak_mb > 200
    with pytest.raises(ValueError, match="expected a limit >= 0 MB"):
        MemoryWatch(-1)


# --- containers ------------------------------------------------------------------------------

FAKE_ENGINE = """#!/bin/sh
# A stand-in for docker: records its arguments, then runs the command after the image here.
printf '%s\\n' "$@" > "$FAKE_ENGINE_LOG"
if [ "$1" = info ]; then exit 0; fi
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --rm|-i) shift ;;
    -w) cd "$2" || exit 125; shift 2 ;;
    -e) export "$2"; shift 2 ;;
    -*) shift 2 ;;
    *) shift; exec "$@" ;;
  esac
done
exit 125
"""
NO_DAEMON = """#!/bin/sh
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2
exit 1
"""


def fake_engines(folder: Path, **scripts: str) -> Path:
    """A folder of executable stand-ins, by name, to put on ``PATH``."""
    folder.mkdir()
    for name, script in scripts.items():
        (folder / name).write_text(script)
        (folder / name).chmod(0o755)
    return folder


def test_container_argv(tmp_path):
    argv = container_argv("docker", "course/grader:1",
                          [(tmp_path / "box", tmp_path / "box", False),
                           (Path("/seed"), Path("/seed"), True)], 4096, tmp_path / "box",
                          {"HOME": "/box/home"})
    assert argv == ["docker", "run", "--rm", "-i", "--network", "none",
                    "--memory", "4096m", "--memory-swap", "4096m", "--pids-limit", "512",
                    "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                    "--user", f"{os.getuid()}:{os.getgid()}",
                    "-v", f"{tmp_path}/box:{tmp_path}/box", "-v", "/seed:/seed:ro",
                    "-e", "HOME=/box/home", "-w", f"{tmp_path}/box", "course/grader:1"]
    podman = container_argv("podman", "img", [], 0, Path("/w"))
    assert "--memory" not in podman and podman[-3:] == ["-w", "/w", "img"]
    assert ("--userns" in podman) == (not IS_ROOT)  # rootless podman: keep our uid
    for mounts, workdir, message in [([(Path("box"), Path("/box"), False)], Path("/w"), "'box'"),
                                     ([(Path("/a:b"), Path("/b"), False)], Path("/w"), "'/a:b'"),
                                     ([], Path("w"), "'w'")]:
        with pytest.raises(ValueError, match=f"expected an absolute path .* got {message}"):
            container_argv("docker", "img", mounts, 0, workdir)
    with pytest.raises(ValueError, match="expected the engine docker or podman"):
        container_argv("lxc", "img", [], 0, Path("/w"))
    with pytest.raises(ValueError, match="expected the name of a container image"):
        container_argv("docker", "--privileged", [], 0, Path("/w"))
    named = container_argv("docker", "img", [], 0, Path("/w"), name="lessons-grade-alice-x1")
    assert named[:6] == ["docker", "run", "--rm", "-i", "--name", "lessons-grade-alice-x1"]
    with pytest.raises(ValueError, match="expected a container name of letters"):
        container_argv("docker", "img", [], 0, Path("/w"), name="--privileged")


def test_remove_container_asks_the_engine_and_never_raises(tmp_path, monkeypatch):
    engines = fake_engines(tmp_path / "bin", docker=FAKE_ENGINE)
    log = tmp_path / "argv.log"
    monkeypatch.setenv("PATH", str(engines))
    monkeypatch.setenv("FAKE_ENGINE_LOG", str(log))
    remove_container("docker", "lessons-grade-alice-x1")  # the stand-in exits 125: no matter
    assert log.read_text().splitlines() == ["rm", "-f", "lessons-grade-alice-x1"]
    remove_container("podman", "lessons-grade-alice-x1")  # not installed: no matter either


def test_remove_tree_removes_read_only_folders_and_a_missing_one_is_fine(tmp_path):
    root = tmp_path / "box"
    (root / "locked" / "inner").mkdir(parents=True)
    (root / "locked" / "inner" / "file").write_text("x")
    (root / "locked").chmod(0o500)
    remove_tree(root)
    assert not root.exists()
    remove_tree(root)  # already gone: nothing to do


def test_the_container_argv_runs(tmp_path, monkeypatch):
    """Through the stand-in engine: it gets exactly the argv, and the command after the image
    runs in the working folder with the environment given."""
    engines = fake_engines(tmp_path / "bin", docker=FAKE_ENGINE)
    log = tmp_path / "argv.log"
    monkeypatch.setenv("PATH", str(engines))
    monkeypatch.setenv("FAKE_ENGINE_LOG", str(log))
    assert find_engine(None) == "docker" and log.read_text() == "info\n"
    with sandbox(tmp_path, "alice", None) as box:
        argv = container_argv(find_engine("docker"), "course/grader:1",
                              [(box.root, box.root, False)], 512, box.root,
                              {"GREETING": "hello world", "HOME": str(box.home)})
        command = [sys.executable, "-c", "import json, os; print(json.dumps("
                   "[os.getcwd(), os.environ['GREETING'], os.environ['HOME']]))"]
        done = subprocess.run(argv + command, capture_output=True, text=True, timeout=60,
                              check=True)
        assert json.loads(done.stdout) == [str(box.root), "hello world", str(box.home)]
        assert log.read_text().splitlines() == argv[1:] + command


def test_find_engine_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(fake_engines(tmp_path / "bin", docker=NO_DAEMON)))
    with pytest.raises(ValueError) as refused:
        find_engine(None)
    said = str(refused.value)
    assert "Cannot connect to the Docker daemon" in said and "podman is not installed" in said
    assert "Install and start Docker or Podman, or grade without --container" in said
    with pytest.raises(ValueError, match="podman is not installed"):
        find_engine("podman")
    with pytest.raises(ValueError, match="expected --engine docker or podman, got 'lxc'"):
        find_engine("lxc")


def test_a_real_kernel_over_the_limit_dies_and_the_run_ends(tmp_path):
    """The kernel manager sees a killed kernel as dead (no restart, no hang): the grader's
    "kernel died", which ``watch.summary()`` explains."""
    cells = ["block = b'x' * (300 * 2**20)", "import time\ntime.sleep(60)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            kernel_manager_class=grade.kernel_manager_class(sys.executable),
                            resources={"metadata": {"path": str(tmp_path)}})
    started = time.monotonic()
    with MemoryWatch(150, interval=0.05) as watch, pytest.raises(DeadKernelError):
        client.execute()
    assert watch.exceeded and time.monotonic() - started < 60
