"""The checks of chapter 5's exercises (lessons_lib.exercises.ch05_four_models)."""

from __future__ import annotations

from lessons_lib.exercises import run_check


def test_lstm_params_check_passes_fails_and_spots_stubs():
    def right(i, u):
        return 4 * (i * u + u * u + u)

    def three_gates(i, u):
        return 3 * (i * u + u * u + u)

    def stub(i, u):
        raise NotImplementedError

    assert run_check("ex-lstm-params", right)["status"] == "passed"
    verdict = run_check("ex-lstm-params", three_gates)
    assert verdict["status"] == "failed" and "four" in verdict["feedback"]
    assert run_check("ex-lstm-params", stub)["status"] == "not attempted"


def test_cnn_steps_check_passes_fails_and_spots_stubs():
    assert run_check("ex-cnn-steps", lambda n: (n - 6) // 5 - 6)["status"] == "passed"
    assert run_check("ex-cnn-steps", lambda n: n - 12)["status"] == "failed"
    assert run_check("ex-cnn-steps", None)["status"] == "not attempted"
