"""The clean verdict process: answers captured in one process, checked in a fresh one.

Each answer below is written as a notebook would define it (code run as ``__main__``), captured
with ``LESSONS_ANSWERS_DIR`` set, and checked by ``verdicts.verdict_of`` in a process of its
own: forged answers must not pass, and the feedback must say why.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lessons_lib.exercises import ANSWERS_ENV
from lessons_lib.tooling import verdicts

RIGHT_CLIP = '''
import numpy as np

def clip(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return {name: g * scale for name, g in grads.items()}
'''


def notebook(code: str) -> dict[str, Any]:
    """The names ``code`` defines when run as a notebook's cell (module ``__main__``)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 - the test's own code
    return namespace


def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, label: str, *answers: Any
          ) -> dict[str, Any]:
    """Capture ``answers`` as the kernel would, then the clean process's verdict on them."""
    monkeypatch.setenv(ANSWERS_ENV, str(tmp_path))
    verdicts.capture(label, answers, {})
    return verdicts.verdict_of(label, tmp_path / f"{label}.pkl", timeout=120)


def test_honest_answers_keep_their_verdicts(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    clip = notebook(RIGHT_CLIP)["clip"]
    right = clean(tmp_path, monkeypatch, "ex-bptt-clip", clip)
    assert right["status"] == "passed" and right["score"] == right["points"] == 1.0
    assert clean(tmp_path, monkeypatch, "ex-bptt-clip", None)["status"] == "not attempted"
    wrong = clean(tmp_path, monkeypatch, "ex-bptt-clip",
                  notebook("def clip(g, m):\n    return {k: v / 2 for k, v in g.items()}")["clip"])
    assert wrong["status"] == "failed" and wrong["feedback"] and wrong["score"] == 0
    # The check computes what it expects with the reference: that is no call of the answer's.
    windows = notebook("import numpy as np\ndef windows(v, n, h):\n"
                       "    v = np.asarray(v, dtype=float)\n"
                       "    X = np.stack([v[i:i + n] for i in range(len(v) - n - h + 1)])\n"
                       "    return X, v[n - 1 + h:]")["windows"]
    assert clean(tmp_path, monkeypatch, "ex-forecast-windows", windows)["status"] == "passed"


@pytest.mark.parametrize("code", [
    "from lessons_lib import bptt\nanswer = bptt.clip_by_global_norm",
    "from lessons_lib import bptt\nanswer = lambda g, m: bptt.clip_by_global_norm(g, m)",
    "import functools\nfrom lessons_lib import bptt\n"
    "answer = functools.partial(bptt.clip_by_global_norm)",
    "from lessons_lib.bptt import clip_by_global_norm as f\n"
    "def answer(grads, max_norm):\n    return f(grads, max_norm)",
    "from lessons_lib import bptt\nimport numpy as np\n"
    "def answer(grads, max_norm):\n"
    "    scale = min(1.0, max_norm / bptt.global_norm(grads))\n"
    "    return {k: v * scale for k, v in grads.items()}",
], ids=["itself", "lambda", "partial", "imported-by-name", "its-norm"])
def test_calling_the_courses_implementation_fails(code: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", notebook(code)["answer"])
    assert verdict["status"] == "failed" and verdict["score"] == 0
    assert "calls the course's own implementation" in verdict["feedback"]


def test_an_answer_that_patches_the_checks_helpers_while_it_runs_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = ("import numpy as np\n"
            "def clip(grads, max_norm):\n"
            "    np.allclose = lambda *a, **k: True\n"
            "    np.array_equal = lambda *a, **k: True\n"
            "    return grads")
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", notebook(code)["clip"])
    assert verdict["status"] == "failed"
    assert "numpy.allclose was replaced" in verdict["feedback"]
    # The code of a check helper, swapped in place (the module's attribute stays the same).
    code = ("from lessons_lib import exercises\n"
            "def clip(grads, max_norm):\n"
            "    exercises.expect_close.__code__ = (lambda *a, **k: None).__code__\n"
            "    return grads")
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", notebook(code)["clip"])
    assert verdict["status"] == "failed" and "expect_close had its code replaced" in \
        verdict["feedback"]


def test_an_answer_cannot_speak_for_the_grader(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    exits = notebook("import os\ndef clip(g, m):\n    os._exit(0)")["clip"]
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", exits)
    assert verdict["status"] == "errored" and "gave no verdict" in verdict["feedback"]
    raises = notebook("def clip(g, m):\n    raise SystemExit(0)")["clip"]
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", raises)
    assert verdict["status"] == "errored" and "SystemExit" in verdict["feedback"]
    prints = notebook(
        "import sys, os\ndef clip(g, m):\n"
        "    line = '0' * 32 + '{\"exercise\": \"ex-bptt-clip\", \"status\": \"passed\"}'\n"
        "    print(line)\n    sys.stdout.write(line + '\\n')\n    os.write(1, line.encode())\n"
        "    return g")["clip"]
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", prints)
    assert verdict["status"] == "failed" and "expected" in verdict["feedback"]


def test_an_unpicklable_answer_gets_one_sentence(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ANSWERS_ENV, str(tmp_path))
    answer = (x for x in range(3))  # a generator cannot be pickled
    verdicts.capture("ex-forecast-horizons", (answer,), {})
    sentence = (tmp_path / "ex-forecast-horizons.error").read_text()
    assert not (tmp_path / "ex-forecast-horizons.pkl").exists()
    assert sentence.startswith("your answer to ex-forecast-horizons could not be handed")
    assert "\n" not in sentence
    verdicts.capture("../escape", (1,), {})  # not a label: nothing written anywhere
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex-forecast-horizons.error"]


def test_a_forged_answers_file_only_changes_the_students_own_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A pickle that runs code while it loads, to patch numpy before the check runs.
    import pickle

    class Patch:
        def __reduce__(self):
            return exec, ("import numpy; numpy.allclose = lambda *a, **k: True",)

    (tmp_path / "forged.pkl").write_bytes(pickle.dumps(((Patch(),), {})))
    verdict = verdicts.verdict_of("ex-bptt-clip", tmp_path / "forged.pkl", timeout=120)
    assert verdict["status"] == "failed" and "numpy.allclose was replaced" in \
        verdict["feedback"]
    missing = verdicts.verdict_of("ex-bptt-clip", tmp_path / "nothing.pkl", timeout=120)
    assert missing["status"] == "errored" and "could not be loaded" in missing["feedback"]


def test_captured_mode_wants_every_label_and_status(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ANSWERS_ENV, str(tmp_path / "07_bptt"))
    verdicts.capture("ex-bptt-clip", (notebook(RIGHT_CLIP)["clip"],), {})
    command = [sys.executable, "-m", "lessons_lib.tooling.verdicts", "--captured",
               str(tmp_path), "--expect", "passed"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    assert "ex-bptt-clip" in done.stdout and "passed" in done.stdout
    assert "ex-rnn-step: no captured answer" in done.stderr
    command[-1] = "failed"
    assert subprocess.run(command, capture_output=True, check=False).returncode == 1
    assert subprocess.run(command[:5], capture_output=True, check=False).returncode == 0


def test_an_answer_swapped_after_check_handed_it_over_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another student's process may write into this sandbox's answers: the digest the kernel
    showed (its receipt) must match what the verdict process loads."""
    import hashlib

    clip = notebook(RIGHT_CLIP)["clip"]
    monkeypatch.setenv(ANSWERS_ENV, str(tmp_path))
    verdicts.capture("ex-bptt-clip", (clip,), {})
    answer = tmp_path / "ex-bptt-clip.pkl"
    receipt = hashlib.sha256(answer.read_bytes()).hexdigest()
    assert verdicts.verdict_of("ex-bptt-clip", answer, sha256=receipt)["status"] == "passed"
    verdicts.capture("ex-bptt-clip", (None,), {})  # the swap
    swapped = verdicts.verdict_of("ex-bptt-clip", answer, sha256=receipt)
    assert swapped["status"] == "errored"
    assert "changed after check() handed it over" in swapped["feedback"]
