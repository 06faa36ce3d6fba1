"""The memory check before training: reads cgroup v2, v1 and /proc/meminfo; refuses politely."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons_lib import resources, training

MB = resources.MB


def cgroup_v2(root: Path, limit: str, current: int, inactive_file: int = 0) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "memory.max").write_text(f"{limit}\n")
    (root / "memory.current").write_text(f"{current}\n")
    (root / "memory.stat").write_text(f"anon 1\ninactive_file {inactive_file}\nactive_file 5\n")
    return root


def meminfo(path: Path, available_kb: int) -> Path:
    path.write_text(f"MemTotal: 99999999 kB\nMemFree: 1 kB\nMemAvailable: {available_kb} kB\n")
    return path


def test_cgroup_v2_limit_counts_reclaimable_cache_as_free(tmp_path: Path) -> None:
    root = cgroup_v2(tmp_path / "cg", str(2048 * MB), 1900 * MB, inactive_file=100 * MB)
    assert resources.cgroup_headroom(root) == 248 * MB


def test_no_limit_means_the_machine_decides(tmp_path: Path) -> None:
    root = cgroup_v2(tmp_path / "cg", "max", 1900 * MB)
    assert resources.cgroup_headroom(root) is None
    info = meminfo(tmp_path / "meminfo", 3 * 1024 * 1024)
    assert resources.available_mb(root, info) == 3072


def test_cgroup_v1_and_its_huge_no_limit(tmp_path: Path) -> None:
    v1 = tmp_path / "cg" / "memory"
    v1.mkdir(parents=True)
    (v1 / "memory.usage_in_bytes").write_text(str(1500 * MB))
    (v1 / "memory.stat").write_text("total_inactive_file 0\n")
    (v1 / "memory.limit_in_bytes").write_text(str(2048 * MB))
    assert resources.cgroup_headroom(tmp_path / "cg") == 548 * MB
    (v1 / "memory.limit_in_bytes").write_text(str(2**63 - 4096))
    assert resources.cgroup_headroom(tmp_path / "cg") is None


def test_the_smaller_of_limit_and_machine_wins(tmp_path: Path) -> None:
    root = cgroup_v2(tmp_path / "cg", str(2048 * MB), 1024 * MB)
    assert resources.available_mb(root, meminfo(tmp_path / "a", 500 * 1024)) == 500
    assert resources.available_mb(root, meminfo(tmp_path / "b", 5000 * 1024)) == 1024
    assert resources.available_mb(tmp_path / "none", tmp_path / "missing") is None


def test_too_little_memory_is_refused_with_what_to_do() -> None:
    with pytest.raises(MemoryError) as caught:
        resources.require_memory(400, "Training the simple_lstm model", available=250)
    message = str(caught.value)
    assert "Training the simple_lstm model needs about 400 MB" in message
    assert "only 250 MB are left" in message and "shut down the kernels" in message
    resources.require_memory(400, "Training", available=400)  # enough: nothing happens


def test_training_checks_memory_before_it_builds_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "available_mb", lambda *a: 100.0)
    x, y = [[1, 2, 3]] * 8, [0, 1] * 4
    with pytest.raises(MemoryError, match="Training the feed_forward model needs about"):
        training.train("feed_forward", x, y, cache=False, epochs=1)
