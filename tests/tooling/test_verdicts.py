"""The clean verdict process: answers captured in one process, checked in a fresh one.

Each answer below is written as a notebook would define it (code run as ``__main__``), captured
with ``LESSONS_ANSWERS_DIR`` set, and checked by ``verdicts.verdict_of`` in a process of its
own, which runs the answer in an answer process of its own: forged answers must not pass, and
the feedback must say why. One test per attack the red team found: the token looked for from
the answer's function and from a pickle's ``__reduce__``, an ``int`` whose ``==`` lies, copies
of the reference's code.
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


def test_patching_the_checks_helpers_from_the_answer_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer runs in its own process: what it patches there, the check never sees."""
    code = ("import numpy as np\n"
            "from lessons_lib import exercises\n"
            "def clip(grads, max_norm):\n"
            "    np.allclose = lambda *a, **k: True\n"
            "    np.array_equal = lambda *a, **k: True\n"
            "    exercises.expect_close.__code__ = (lambda *a, **k: None).__code__\n"
            "    return grads")
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", notebook(code)["clip"])
    assert verdict["status"] == "failed" and "not the right values" in verdict["feedback"]


# Looks for the token everywhere the answer process can see (its frames, every dict, the
# verdict process's descriptors) and writes a verdict line of its own wherever it can.
FORGER = r"""
import gc, json, os, sys

def forge():
    found = set()
    frame = sys._getframe()
    while frame is not None:
        found |= {v for v in frame.f_locals.values() if isinstance(v, str) and len(v) == 32}
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and isinstance(obj.get("token"), str):
            found.add(obj["token"])
    verdict = json.dumps({"exercise": "ex-bptt-clip", "status": "passed", "score": 1000,
                          "points": 1, "feedback": "forged"})
    for token in found | {"0" * 32}:
        line = (token + verdict + "\n").encode()
        targets = [1, 2] + [f"/proc/{os.getppid()}/fd/{n}" for n in range(3, 12)]
        for target in targets:
            try:
                if isinstance(target, int):
                    os.write(target, line)
                else:
                    with open(target, "wb") as stream:
                        stream.write(line)
            except OSError:
                pass
"""


def test_an_answer_that_hunts_for_the_token_cannot_pass(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    namespace = notebook(FORGER + "\ndef clip(grads, max_norm):\n    forge()\n    return grads")
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", namespace["clip"])
    assert verdict["status"] != "passed" and verdict["score"] == 0
    assert verdict["feedback"] != "forged"


def test_a_pickle_that_hunts_for_the_token_while_it_loads_cannot_pass(tmp_path: Path) -> None:
    import pickle

    class Forge:
        def __reduce__(self):
            return exec, (FORGER + "\nforge()",)

    (tmp_path / "forged.pkl").write_bytes(pickle.dumps(((Forge(),), {})))
    verdict = verdicts.verdict_of("ex-bptt-clip", tmp_path / "forged.pkl", timeout=120)
    assert verdict["status"] != "passed" and verdict["score"] == 0
    assert verdict["feedback"] != "forged"


def test_a_number_whose_equality_lies_is_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    code = ("class Liar(int):\n"
            "    def __eq__(self, other):\n        return True\n"
            "    def __ne__(self, other):\n        return False\n"
            "    __hash__ = int.__hash__\n"
            "def half_life(d):\n    return Liar(0)")
    verdict = clean(tmp_path, monkeypatch, "ex-half-life", notebook(code)["half_life"])
    assert verdict["status"] == "failed" and verdict["score"] == 0
    assert "returned a Liar, which the grader cannot check" in verdict["feedback"]
    # A reply that smuggles an int of another class is no plain data on the verdict's side.
    import pickle
    import signal

    with pytest.raises(verdicts.AnswerGone, match="signal.Signals is not plain data"):
        verdicts._plain_loads(pickle.dumps({"value": signal.SIGINT}))
    assert verdicts._plain_loads(pickle.dumps({"value": 3})) == {"value": 3}


@pytest.mark.parametrize("code", [
    "import types\nfrom lessons_lib import numpy_rnn\n"
    "step = types.FunctionType(numpy_rnn.rnn_step.__code__, globals())",
    "import inspect\nimport numpy as np\nfrom lessons_lib import numpy_rnn\n"
    "exec(inspect.getsource(numpy_rnn.rnn_step))\nstep = rnn_step",
    "import inspect\nimport numpy as np\nfrom lessons_lib import numpy_rnn\n"
    "exec(inspect.getsource(numpy_rnn.rnn_step))\n"
    "def step(x_t, y_prev, W, U, b):\n    return rnn_step(x_t, y_prev, W, U, b)",
], ids=["code-object", "exec-source", "wrapped-copy"])
def test_a_copy_of_the_courses_implementation_fails(code: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = clean(tmp_path, monkeypatch, "ex-rnn-step", notebook(code)["step"])
    assert verdict["status"] == "failed" and verdict["score"] == 0
    assert "is a copy of the course's own implementation (lessons_lib.numpy_rnn.rnn_step)" \
        in verdict["feedback"]


def test_what_the_answer_raises_or_changes_crosses_back(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    stub = notebook("def clip(grads, max_norm):\n    raise NotImplementedError")["clip"]
    assert clean(tmp_path, monkeypatch, "ex-bptt-clip", stub)["status"] == "not attempted"
    raises = notebook("class Oops(ValueError):\n    pass\n"
                      "def clip(grads, max_norm):\n    raise Oops('no norm')")["clip"]
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", raises)
    assert verdict["status"] == "failed"
    assert verdict["feedback"] == "your function raised Oops: no norm"
    mutates = notebook(RIGHT_CLIP + "\ndef clip_in_place(grads, max_norm):\n"
                       "    for name, g in clip(grads, max_norm).items():\n"
                       "        grads[name][...] = g\n"
                       "    return grads")["clip_in_place"]
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", mutates)
    assert verdict["status"] == "failed" and "changed the input arrays" in verdict["feedback"]
    # The layer the check lends comes back as it was left (its state cleared, here).
    fresh = notebook("def fresh_forward(rnn, xs):\n"
                     "    rnn.reset_state()\n    return rnn.forward(xs)")["fresh_forward"]
    assert clean(tmp_path, monkeypatch, "ex-fresh-forward", fresh)["status"] == "passed"


def test_a_value_answer_crosses_as_plain_data(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    right = clean(tmp_path, monkeypatch, "ex-which-outputs-move", [np.int64(3), 4, 5])
    assert right["status"] == "passed"
    verdict = clean(tmp_path, monkeypatch, "ex-which-outputs-move",
                    notebook("class Steps:\n    pass")["Steps"]())
    assert verdict["status"] == "failed"
    assert "is a Steps, which the grader cannot check" in verdict["feedback"]


def test_a_call_that_runs_too_long_is_stopped(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(verdicts.CALL_TIMEOUT_ENV, "2")
    sleeps = notebook("import time\ndef clip(g, m):\n    time.sleep(60)")["clip"]
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", sleeps)
    assert verdict["status"] == "errored" and verdict["score"] == 0
    assert "your function ran past 2 s" in verdict["feedback"]


def test_an_answer_cannot_speak_for_the_grader(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    exits = notebook("import os\ndef clip(g, m):\n    os._exit(0)")["clip"]
    verdict = clean(tmp_path, monkeypatch, "ex-bptt-clip", exits)
    assert verdict["status"] == "errored" and "stopped before it replied" in verdict["feedback"]
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


def test_the_answer_runs_in_the_folder_it_is_given_not_the_graders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the student's function writes by a relative path lands in ``cwd`` (the
    sandbox's working folder), not where the grader was started (the instructor's clone)."""
    grader, work = tmp_path / "grader", tmp_path / "work"
    grader.mkdir()
    work.mkdir()
    monkeypatch.chdir(grader)
    writes = RIGHT_CLIP.replace("    norm =", "    open('x.txt', 'w').write('x')\n    norm =")
    monkeypatch.setenv(ANSWERS_ENV, str(tmp_path / "answers"))
    verdicts.capture("ex-bptt-clip", (notebook(writes)["clip"],), {})
    verdict = verdicts.verdict_of("ex-bptt-clip", tmp_path / "answers" / "ex-bptt-clip.pkl",
                                  timeout=120, cwd=work)
    assert verdict["status"] == "passed", verdict
    assert list(grader.iterdir()) == [] and (work / "x.txt").read_text() == "x"


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


def test_a_missing_answers_file_is_errored(tmp_path: Path) -> None:
    missing = verdicts.verdict_of("ex-bptt-clip", tmp_path / "nothing.pkl", timeout=120)
    assert missing["status"] == "errored" and "could not be loaded" in missing["feedback"]


def test_the_score_is_the_registrys_never_the_answers() -> None:
    from lessons_lib import exercises

    entry = exercises.lookup("ex-bptt-clip")
    for status, score, capped, kept in (
            ("passed", 1000, 1.0, "passed"), ("failed", 1000, 1.0, "failed"),
            ("failed", 0.5, 0.5, "failed"), ("failed", -5, 0.0, "failed"),
            ("errored", 1.0, 0.0, "errored"), ("failed", float("nan"), 0.0, "failed"),
            ("failed", float("inf"), 0.0, "failed"), ("failed", "lots", 0.0, "failed"),
            ("excellent", 1.0, 0.0, "errored")):
        verdict = verdicts.capped({"status": status, "score": score, "points": 99}, entry)
        assert (verdict["status"], verdict["score"], verdict["points"]) == \
            (kept, capped, entry.points), (status, score)
    assert "no known verdict ('excellent')" in verdicts.capped({"status": "excellent"},
                                                              entry)["feedback"]


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
