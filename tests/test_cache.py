"""The course's cache: one folder, atomic writes, the model-file format and the lock."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import numpy as np
import pytest

from lessons_lib import cache


def test_the_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    assert cache.model_dir() == tmp_path / "c" / "models"
    monkeypatch.delenv(cache.CACHE_ENV)
    assert cache.cache_dir() == Path.home() / ".cache" / "lessons_lib"


def test_an_interrupted_write_leaves_the_old_file_and_no_litter(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.bin"
    cache.atomic_write(target, b"old")
    with pytest.raises(RuntimeError), cache.atomic_file(target) as handle:
        handle.write(b"half of the ne")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]
    cache.atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and oct(target.stat().st_mode)[-3:] == "644"


def test_weights_and_metadata_round_trip(tmp_path: Path) -> None:
    weights = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(11), np.zeros((0,))]
    meta = {"format": "x/1", "settings": {"seed": 3}, "history": {"loss": [0.5, 0.25]}}
    path = tmp_path / "m.npz"
    cache.save_weights(path, weights, meta)
    meta_back, weights_back = cache.load_weights(path)
    assert meta_back == meta
    assert len(weights_back) == 3
    for a, b in zip(weights, weights_back, strict=True):
        np.testing.assert_array_equal(a, b)
    path.write_bytes(b"not a zip file")
    with pytest.raises(Exception):  # noqa: B017 - callers treat any error as a cache miss
        cache.load_weights(path)


def test_fingerprints_and_keys_tell_data_and_settings_apart() -> None:
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    assert cache.fingerprint(x) == cache.fingerprint(x.copy())
    assert cache.fingerprint(x) != cache.fingerprint(x.reshape(4, 3))
    assert cache.fingerprint(x) != cache.fingerprint(x.astype(np.int64))
    assert cache.settings_key({"a": 1, "b": 2}) == cache.settings_key({"b": 2, "a": 1})
    assert cache.settings_key({"a": 1}) != cache.settings_key({"a": 2})


def _hold(path: str, seconds: float, log: str) -> None:
    with cache.exclusive_lock(Path(path)):
        with open(log, "a") as handle:
            handle.write(f"in {time.time()}\n")
        time.sleep(seconds)
        with open(log, "a") as handle:
            handle.write(f"out {time.time()}\n")


def test_the_lock_lets_one_process_in_at_a_time(tmp_path: Path) -> None:
    log = tmp_path / "log"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hold, args=(str(tmp_path / "m.npz"), 0.5, str(log)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    events = [line.split()[0] for line in log.read_text().splitlines()]
    assert events == ["in", "out", "in", "out"]


def test_load_or_train_trains_once_then_rebuilds(tmp_path):
    from lessons_lib.cache import load_or_train

    path = tmp_path / "models" / "m.npz"
    calls = []

    def train():
        calls.append(1)
        return "trained", [np.arange(3.0)], {"format": "f/1", "n": 3}

    def rebuild(meta, weights):
        return f"rebuilt {meta['n']} {weights[0].tolist()}"

    def mismatch(meta):
        return None if meta.get("format") == "f/1" else f"format {meta.get('format')!r}"

    assert load_or_train(path, mismatch, rebuild, train) == ("trained", False)
    assert load_or_train(path, mismatch, rebuild, train) == ("rebuilt 3 [0.0, 1.0, 2.0]", True)
    assert len(calls) == 1
    # metadata that does not fit: say why, train again, and store the new one
    with pytest.warns(UserWarning, match="format 'f/1'"):
        assert load_or_train(path, lambda meta: f"format {meta['format']!r}", rebuild,
                             train) == ("trained", False)
    # a damaged file, or one the rebuild refuses: say so, train again
    path.write_bytes(b"not an npz file")
    with pytest.warns(UserWarning, match="unreadable"):
        assert load_or_train(path, mismatch, rebuild, train)[1] is False

    def refuse(meta, weights):
        raise ValueError("weights of shapes (3,), expected (4,)")

    with pytest.warns(UserWarning, match="weights of shapes"):
        assert load_or_train(path, mismatch, refuse, train)[1] is False
    assert len(calls) == 4


def test_written_for_accepts_only_the_same_format_and_settings():
    from lessons_lib.cache import written_for

    mismatch = written_for("lessons_lib.x/1", {"units": 4})
    assert mismatch({"format": "lessons_lib.x/1", "settings": {"units": 4}}) is None
    for meta in ({"format": "lessons_lib.x/2", "settings": {"units": 4}},
                 {"format": "lessons_lib.x/1", "settings": {"units": 5}}, {}):
        assert mismatch(meta) == "written for other settings"
