"""Verdicts the student's kernel cannot forge: each answer checked again in a clean process.

Under the grader (``lessons_lib.tooling.grade``) a student's notebook runs with
``LESSONS_ANSWERS_DIR`` set. There ``lessons_lib.exercises.check`` first calls :func:`capture`,
which writes the answers themselves, by value (cloudpickle), to ``<label>.pkl`` in that folder,
or a one-sentence ``<label>.error`` when they cannot be written; then it prints its verdict for
the student as usual. Under the grader (``LESSONS_ANSWERS_RECEIPT`` set) it also shows the
file's SHA-256 as an output of the cell (``RECEIPT_MIME``): the answers folder can be written by
any process of the grading user (another student's, left running), the kernel's own outputs
cannot, so the grader passes that digest on and an answer file that does not match it, or has
no receipt, is not graded. The grader never reads the printed verdict. For each captured
answer it calls :func:`verdict_of`, which starts ``python -I -B -m lessons_lib.tooling.verdicts``
(a fresh interpreter; ``-I``: the notebook's folder is not on ``sys.path`` and no ``PYTHON*``
variable counts; ``-B``: no ``.pyc`` written into the installed package, whose files the
grader watches) in the sandbox's working folder (``cwd``: a file the student's function writes
by a relative path lands there, not in the instructor's clone) and sends it one JSON request
on stdin: a random token, the label, the answers
file, its receipt and, for a check kept outside ``lessons_lib`` (the tests' fake chapter), the
file of its module. The process (:func:`main`) never unpickles the student's bytes with the
full unpickler and never runs the student's code:

1. it marks itself not dumpable (Linux), so that another process of the same user cannot read
   its memory or open its descriptors; it points its file descriptor 1 at stderr, keeping a
   private copy of the real stdout for the verdict (:func:`private_stdout`);
2. it imports the exercise's check and starts an **answer process**, ``python -I -B -m
   lessons_lib.tooling.verdicts --answer-process`` (:class:`AnswerProcess`; the token is never
   sent to it; same working folder), and hands it the answer file's bytes. The answer process
   replaces the exercise's ``reference`` implementations (``@exercise(label,
   reference=(...))``) with tracers, unpickles the answers (cloudpickle), looks for copies of
   the references' code among the functions the answers reach, and says what each answer is:
   plain data, or a function;
3. the check runs here on the plain values and on a :class:`RemoteAnswer` for each function:
   a call pickles its arguments to the answer process, which runs the student's function and
   sends back the value it returned, or the exception it raised (by name: a builtin class
   such as ``NotImplementedError`` comes back as itself), the state of the arguments after
   the call (copied back into the check's arrays, dicts, lists and lent objects, so that a
   check that looks for changed inputs still sees them) and the references the call reached;
4. everything coming back is read with a restricted unpickler (:class:`_PlainUnpickler`:
   builtin containers and scalars, numpy arrays, scalars and dtypes, nothing else) and checked
   again for exact plain types, so that no ``__eq__`` of the student's reaches the check. A
   value that is not plain data fails: "your function returned a <type>, which the grader
   cannot check";
5. a copy of a reference (``types.FunctionType(f.__code__, ...)``, ``exec`` of its source,
   found by its normalised instructions) fails: "is a copy of the course's own
   implementation"; a reference called from the student's code (itself, in a lambda, a
   ``def``, ``functools.partial``, imported by name) fails: "calls the course's own
   implementation";
6. a call past ``LESSONS_CALL_TIMEOUT`` seconds (default 60) kills the answer process
   (``errored``: "your function ran past N s"), as does the answer process dying or replying
   out of turn; the score comes from the status and the registry's points only (never above
   them, never below 0: :func:`capped`, which the grader also applies to what a container
   reports); the token and the verdict go out as JSON, one line.

:func:`verdict_of` accepts only a line that starts with its token (exactly one): no such line
(the process crashed, ran past the overall timeout) is ``errored``, with a sentence that says so.

``python -m lessons_lib.tooling.verdicts --captured DIR --expect passed`` runs the clean
verdict on every ``*.pkl`` under ``DIR`` (``make notebooks`` leaves the book's own solutions
there) and fails unless every registered exercise is there and has that status.

What is closed: a verdict printed or displayed by the notebook, ``check`` or ``np.allclose``
patched in the kernel or in the answer process (the check runs in neither), the token looked
for from the answer (it is in no process that runs student code), a pickle that runs code as
it loads (it loads in the answer process), values whose ``==`` lies, the answer calling or
copying the course's implementation, output mixed into the channel. The snapshot of the
checks' modules that guarded the verdict process while it ran the student's code is gone:
none runs there now.

What remains possible (read flagged notebooks): the student's code runs, as the user who
grades, in the kernel and in the answer process. There a hostile answer can lie about the
references it called, or hide a copy from the search (the search follows the answer, its
closure, defaults, the globals its code names, partials, methods and ``__call__``: a copy
built at call time, or the check modules' own reference helpers, are not found), and it can
answer each call with any plain value it can compute (say, by running the course's code
where the tracer does not see it). Where the grading user may trace processes of its own (root,
or no Linux ``prctl``), the answer process could still read the verdict process's memory;
``--container`` (in ``grade``) confines it further. ``inspect.getsource`` of a student's
function does not work in the verdict process (ch04's hint about ``np.eye`` is never given
there); a reference reached through another of the course's helpers that calls it (say
``bptt.loss_and_gradients`` for ``bptt.backward``) is not told apart from that helper's
ordinary use; answers that are values, not functions, are computed in the kernel, where
nothing says how.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import importlib.util
import json
import math
import os
import pickle
import re
import secrets
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lessons_lib.cache import atomic_write
from lessons_lib.exercises import ANSWERS_ENV, Status

# One verdict process may run this long by default (the longest checks train nothing).
VERDICT_TIMEOUT = 300.0
# What follows the interpreter to start a verdict process: isolated, no .pyc written.
COMMAND = ("-I", "-B", "-m", "lessons_lib.tooling.verdicts")
# Set by the grader: ``capture`` then also shows the answer file's SHA-256 in the kernel's own
# output (this MIME type), which no other process can change; the verdict process checks it.
RECEIPT_ENV = "LESSONS_ANSWERS_RECEIPT"
RECEIPT_MIME = "application/vnd.lessons-answer+json"
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_PACKAGE = "lessons_lib"
# The course's helpers whose calls of a reference are the check's, not the answer's.
_NOT_HELPERS = (f"{_PACKAGE}.exercises", f"{_PACKAGE}.tooling")


# --- the kernel's side: capture ------------------------------------------------------------


def capture(label: str, answers: tuple, kwargs: dict[str, Any]) -> None:
    """Write ``(answers, kwargs)`` for the grader to ``$LESSONS_ANSWERS_DIR/<label>.pkl``, or
    ``<label>.error`` holding one sentence when they cannot be written. Never raises: the
    student's own check goes on whatever happens here."""
    folder = os.environ.get(ANSWERS_ENV)
    if not folder or not isinstance(label, str) or not _LABEL.fullmatch(label):
        return  # an unknown or malformed label: run_check will say so to the student
    folder = Path(folder)
    try:
        import cloudpickle

        _pickle_local_modules_by_value(cloudpickle)
        data = cloudpickle.dumps((tuple(answers), dict(kwargs)))
    except Exception as exc:  # noqa: BLE001 - any failure becomes the sentence
        _write_quietly(folder / f"{label}.error",
                       f"your answer to {label} could not be handed to the grader "
                       f"({type(exc).__name__}: {str(exc)[:200]}); answer with plain values "
                       "and functions defined in the notebook")
        (folder / f"{label}.pkl").unlink(missing_ok=True)
        return
    if _write_quietly(folder / f"{label}.pkl", data):
        (folder / f"{label}.error").unlink(missing_ok=True)
        if os.environ.get(RECEIPT_ENV):
            _show_receipt(label, hashlib.sha256(data).hexdigest())


def _show_receipt(label: str, digest: str) -> None:
    """Show the answer's digest as an output of the cell, for the grader alone to read."""
    try:
        from IPython.display import display

        display({RECEIPT_MIME: json.dumps({"label": label, "sha256": digest})}, raw=True)
    except ImportError:
        return


def _write_quietly(path: Path, content: str | bytes) -> bool:
    """Write ``content`` atomically; whether it was written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, content.encode("utf-8") if isinstance(content, str) else content)
    except OSError:
        return False
    return True


def _pickle_local_modules_by_value(cloudpickle: types.ModuleType) -> None:
    """The student's own modules beside the notebook travel by value: the clean process does
    not have the notebook's folder on its path. The course's modules stay by reference."""
    here = Path.cwd().resolve()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not path or name == _PACKAGE or name.startswith(f"{_PACKAGE}."):
            continue
        try:
            local = Path(path).resolve().is_relative_to(here) and ".venv" not in Path(path).parts
        except (OSError, ValueError):
            continue
        if local and "site-packages" not in path:
            try:
                cloudpickle.register_pickle_by_value(module)
            except ValueError:
                continue


# --- the grader's side ---------------------------------------------------------------------


def verdict_of(label: str, answers_file: Path, env: dict[str, str] | None = None,
               timeout: float = VERDICT_TIMEOUT, checks_file: Path | None = None,
               command: list[str] | None = None, sha256: str | None = None,
               cwd: Path | None = None) -> dict[str, Any]:
    """The clean verdict on the answers in ``answers_file``, from a fresh process.

    ``env`` is the process's environment (default: this one's); ``checks_file`` the module of a
    check registered outside ``lessons_lib``; ``command`` what starts the process (default
    :data:`COMMAND`); ``sha256`` the digest the file must have (the kernel's receipt), checked
    before it is loaded; ``cwd`` the working folder of the verdict process and of its answer
    process (the sandbox's; default: this one's). Whatever goes wrong, a verdict comes back:
    ``errored`` with a sentence when the process gave none.
    """
    token = secrets.token_hex(16)
    request = {"token": token, "label": label, "answers": str(answers_file),
               "checks_file": str(checks_file) if checks_file else None, "sha256": sha256}
    argv = command or [sys.executable, *COMMAND]
    try:
        done = subprocess.run(argv, input=json.dumps(request), capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=cwd, check=False)
    except subprocess.TimeoutExpired:
        return _errored(label, f"checking your answer ran past {timeout:g} s and was stopped")
    except OSError as exc:
        return _errored(label, f"the grading process could not start ({exc})")
    lines = [line[len(token):] for line in done.stdout.splitlines() if line.startswith(token)]
    if len(lines) != 1:
        last = (done.stderr.strip().splitlines() or ["nothing"])[-1][:300]
        why = ("gave no verdict" if not lines else "wrote more than one verdict")
        return _errored(label, f"the clean grading process {why} (exit status "
                               f"{done.returncode}; its last words: {last}): did your answer "
                               "exit, crash or write to the grader's channel?")
    try:
        verdict = json.loads(lines[0])
    except ValueError:
        return _errored(label, "the clean grading process wrote a verdict that is not JSON")
    if not isinstance(verdict, dict) or verdict.get("status") not in {s.value for s in Status}:
        return _errored(label, "the clean grading process wrote no valid verdict")
    return verdict


def _errored(label: str, sentence: str) -> dict[str, Any]:
    """A verdict that says why there is none."""
    return {"exercise": label, "status": Status.ERRORED.value, "feedback": sentence,
            "score": 0.0}


# --- the clean process ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``--captured DIR`` checks a folder of answers; ``--answer-process`` serves
    one student's answers to the verdict process; else one request on stdin."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--answer-process"]:
        return answer_process_main()
    if args:
        return captured_main(args)
    _not_dumpable()  # the answer process (same user) cannot read this one's memory or fds
    raw = sys.stdin.read()
    channel = private_stdout()
    try:
        request = json.loads(raw)
        token = str(request["token"])
    except (ValueError, KeyError, TypeError):
        print("expected one JSON request with token, label and answers on stdin",
              file=sys.stderr)
        return 2
    verdict = clean_verdict(request)
    channel.write(token + json.dumps(verdict, default=str) + "\n")
    channel.flush()
    os._exit(0)


def private_stdout(binary: bool = False) -> Any:
    """The real stdout as a stream of this process's own, with file descriptor 1 pointed at
    stderr (:func:`stdout_to_stderr`): whatever else writes to the stdout, this code or a
    process it starts, lands on stderr, and only the returned stream reaches the reader."""
    sys.stdout.flush()
    copy = os.dup(1)
    stdout_to_stderr()
    return os.fdopen(copy, "wb") if binary else os.fdopen(copy, "w", encoding="utf-8")


def stdout_to_stderr() -> None:
    """Point file descriptor 1 (and so ``print`` and every process started from here on)
    at stderr."""
    sys.stdout.flush()
    os.dup2(2, 1)


def clean_verdict(request: dict[str, Any]) -> dict[str, Any]:
    """The verdict on one request: the check runs here, the answer in an answer process."""
    from lessons_lib import exercises

    label = str(request.get("label"))
    try:
        if request.get("checks_file"):
            _import_file(Path(request["checks_file"]))
        entry = exercises.lookup(label)
    except Exception as exc:  # noqa: BLE001 - a broken course is reported, not raised
        return _errored(label, f"the check could not be set up: {type(exc).__name__}: {exc}")
    try:
        data = Path(request["answers"]).read_bytes()
    except (OSError, KeyError, TypeError) as exc:
        return capped(_errored(label, f"your answer could not be loaded for grading "
                                      f"({type(exc).__name__}: {str(exc)[:200]})"), entry)
    if request.get("sha256") and hashlib.sha256(data).hexdigest() != request["sha256"]:
        return _errored(label, "the answer file was changed after check() handed it over "
                               "(another process wrote to it): the answer cannot be trusted")
    return capped(_verdict_through(entry, data, request.get("checks_file")), entry)


def _verdict_through(entry: Any, data: bytes, checks_file: str | None) -> dict[str, Any]:
    """Run ``entry``'s check on the answers in ``data``, served by a fresh answer process."""
    from lessons_lib import exercises

    label = entry.label
    try:
        with AnswerProcess(data, entry.reference, checks_file) as answer:
            if answer.copies:
                return _failed(label, "your answer is a copy of the course's own "
                                      f"implementation ({', '.join(answer.copies)}): write it "
                                      "yourself")
            if answer.refused is not None:
                return _failed(label, answer.refused)
            verdict = exercises.run_check(label, *answer.answers, **answer.kwargs)
    except AnswerGone as exc:
        return _errored(label, str(exc))
    except BaseException as exc:  # noqa: BLE001 - SystemExit and the like from the answer
        return _errored(label, f"your answer stopped the check ({exc})")
    if answer.reference_calls:
        names = ", ".join(sorted(set(answer.reference_calls)))
        return _failed(label, f"your answer calls the course's own implementation ({names}) "
                              "instead of doing the work itself")
    return verdict


def _failed(label: str, sentence: str) -> dict[str, Any]:
    return {"exercise": label, "status": Status.FAILED.value, "feedback": sentence,
            "score": 0.0}


def capped(verdict: dict[str, Any], entry: Any) -> dict[str, Any]:
    """``verdict`` with the registry's points (of ``entry``) and a score made consistent with
    them, whoever sent it: ``passed`` earns every point, ``failed`` between none and all (a
    check with parts; a score that is no finite number: none), any other status none; an
    unknown status is ``errored``. The one place a score is clamped."""
    points = float(entry.points)
    status = verdict.get("status")
    if status not in {s.value for s in Status}:
        verdict = _errored(entry.label, f"the clean check gave no known verdict "
                                        f"({str(status)[:40]!r})")
        status = Status.ERRORED.value
    try:
        score = float(verdict.get("score", 0.0))
    except (TypeError, ValueError, OverflowError):
        score = 0.0
    if status == Status.PASSED.value:
        score = points
    elif status != Status.FAILED.value or not math.isfinite(score):
        score = 0.0
    return {**verdict, "exercise": entry.label, "chapter": entry.chapter, "points": points,
            "score": min(max(score, 0.0), points)}


def _not_dumpable() -> None:
    """Mark this process not dumpable (Linux): other processes of the same user, the answer
    process among them, can then neither read its memory nor open its file descriptors."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        return


def _die_with_parent() -> None:
    """Linux: this process is killed when the verdict process that started it ends."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return


def _import_file(path: Path) -> types.ModuleType:
    """Import the checks module at ``path`` under its file's name (answers may refer to it)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the checks module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


# --- the channel between the two processes -------------------------------------------------

# Seconds one call of the student's function may run (``LESSONS_CALL_TIMEOUT`` overrides).
CALL_TIMEOUT = 60.0
CALL_TIMEOUT_ENV = "LESSONS_CALL_TIMEOUT"
_MAX_FRAME = 256 * 2 ** 20  # bytes of one message: more is no answer a check needs
_NOT_PLAIN = ("which the grader cannot check: return numbers, arrays, lists, tuples or dicts")


class AnswerGone(BaseException):
    """The answer process ran past its time, died or spoke out of turn. A ``BaseException``,
    so that neither ``call_student`` nor ``run_check`` turns it into a verdict of its own."""


class NotPlain(Exception):
    """A value that is not plain data: it names the type."""


def _send(stream: Any, message: Any) -> None:
    data = pickle.dumps(message, protocol=5)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(fd: int, deadline: float | None, why_late: str) -> bytes:
    """One message from ``fd``; :class:`AnswerGone` at end of file or past ``deadline``."""
    header = _read_exactly(fd, 8, deadline, why_late)
    size = int.from_bytes(header, "big")
    if size > _MAX_FRAME:
        raise AnswerGone(f"your answer sent back {size} bytes, more than the grader reads")
    return _read_exactly(fd, size, deadline, why_late)


def _read_exactly(fd: int, size: int, deadline: float | None, why_late: str) -> bytes:
    import select

    chunks, left = [], size
    while left:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not select.select([fd], [], [], wait)[0]:
            raise AnswerGone(why_late)
        chunk = os.read(fd, min(left, 2 ** 20))
        if not chunk:
            raise AnswerGone("the process running your answer stopped before it replied "
                             "(did your code exit or crash Python?)")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _PlainUnpickler(pickle.Unpickler):
    """Reads only plain data: builtin containers and scalars, numpy arrays, scalars and
    dtypes. Any other class, the student's own subclasses of int or list among them, is
    refused, so that no code of the student's runs here and no ``__eq__`` of theirs lies."""

    _ALLOWED = {("builtins", "complex"), ("builtins", "Ellipsis"), ("builtins", "set"),
                ("builtins", "frozenset"), ("builtins", "bytearray"),
                ("numpy", "dtype"), ("numpy", "ndarray"),
                ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
                ("numpy._core.multiarray", "_reconstruct"),
                ("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data")
        return super().find_class(module, name)


def _plain_loads(data: bytes) -> Any:
    """``data`` read with :class:`_PlainUnpickler`; :class:`AnswerGone` if it is not plain."""
    import io

    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except Exception as exc:  # noqa: BLE001 - whatever it is, it is not a reply
        raise AnswerGone(f"the process running your answer sent something that is not "
                         f"plain data ({str(exc)[:120]})") from exc


def _is_plain(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is made only of the exact plain types (checked again on this side)."""
    import numpy as np

    kind = type(value)
    if depth > 64:
        return False
    if value is None or value is Ellipsis or kind in (bool, int, float, complex, str, bytes):
        return True
    if kind is np.ndarray:
        return value.dtype.kind != "O"
    if isinstance(value, np.generic):
        return kind.__module__ == "numpy" and value.dtype.kind != "O"
    if kind is np.dtype or (isinstance(value, np.dtype) and kind.__module__ == "numpy.dtypes"):
        return True
    if kind in (list, tuple, set, frozenset):
        return all(_is_plain(v, depth + 1) for v in value)
    if kind is dict:
        return all(_is_plain(k, depth + 1) and _is_plain(v, depth + 1)
                   for k, v in value.items())
    return False


def _to_plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data (the answer process's side): containers of any subclass become
    the builtin ones, arrays plain ndarrays; anything else raises :class:`NotPlain`."""
    import numpy as np

    kind = type(value)
    if depth > 64:
        raise NotPlain("structure nested deeper than 64 levels")
    if value is None or value is Ellipsis or kind in (bool, int, float, complex, str, bytes):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return [_to_plain(v, depth + 1) for v in value.tolist()]
        return np.array(value, subok=False)
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.kind != "O":
        return value
    if isinstance(value, dict):
        return {_to_plain(k, depth + 1): _to_plain(v, depth + 1)
                for k, v in dict.items(value)}
    for container in (list, tuple, set, frozenset):
        if isinstance(value, container):
            return container(_to_plain(v, depth + 1) for v in container.__iter__(value))
    raise NotPlain(kind.__name__)


def _state_of(value: Any) -> tuple[str, Any]:
    """What an argument holds after the call, to copy back: plain data, or the attributes of
    an object (a layer the check lent), or the name of a type that cannot come back."""
    try:
        return "plain", _to_plain(value)
    except NotPlain as exc:
        if not hasattr(value, "__dict__"):
            return "refused", str(exc)
    attributes = {}
    for name, inner in list(vars(value).items()):
        try:
            attributes[str(name)] = _to_plain(inner)
        except NotPlain:
            continue  # a random generator, say: left as the check lent it
    return "attributes", attributes


def _copy_back(original: Any, after: Any) -> Any:
    """Make ``original`` hold what ``after`` holds, in place where it can be changed (arrays,
    dicts, lists), so that a check that looks for changed inputs sees them; what to keep."""
    import numpy as np

    if isinstance(original, np.ndarray) and isinstance(after, np.ndarray):
        if original.shape == after.shape and original.flags.writeable:
            try:
                np.copyto(original, after, casting="unsafe")
                return original
            except (TypeError, ValueError):
                return after
        return after
    if isinstance(original, dict) and isinstance(after, dict):
        for key in [k for k in original if k not in after]:
            del original[key]
        for key, value in after.items():
            original[key] = _copy_back(original.get(key), value)
        return original
    if isinstance(original, list) and isinstance(after, list):
        kept = [_copy_back(original[i], v) if i < len(original) else v
                for i, v in enumerate(after)]
        original[:] = kept
        return original
    if isinstance(original, tuple) and isinstance(after, tuple) and len(original) == len(after):
        for inner, value in zip(original, after, strict=True):
            _copy_back(inner, value)
        return original
    return after


def _lent_back(original: Any, state: Any) -> None:
    """Copy an argument's state after the call (see :func:`_state_of`) into ``original``."""
    from lessons_lib.exercises import ExerciseFailed

    kind, value = state
    if kind == "refused":
        raise ExerciseFailed(f"your function left an argument holding a {value}, {_NOT_PLAIN}")
    if kind == "attributes" and hasattr(original, "__dict__") and isinstance(value, dict):
        for name, inner in value.items():
            if isinstance(name, str):
                setattr(original, name, _copy_back(getattr(original, name, None), inner))
    elif kind == "plain":
        _copy_back(original, value)


class AnswerProcess:
    """The student's answers, unpickled and run in a child process (``python -I -B -m
    lessons_lib.tooling.verdicts --answer-process``) that never learns the token. Values come
    back as plain data; each function becomes a :class:`RemoteAnswer` that the check calls.

    The answer process traces the course's reference implementations and looks for copies of
    their code among the functions the answer reaches. It runs the student's code, so a
    hostile answer can lie about both; a copy (``FunctionType(f.__code__, ...)``, ``exec`` of
    its source) or a wrapper written in the ordinary way is caught."""

    def __init__(self, data: bytes, references: tuple[str, ...],
                 checks_file: str | None) -> None:
        import subprocess as sp

        self.call_timeout = float(os.environ.get(CALL_TIMEOUT_ENV) or CALL_TIMEOUT)
        self.reference_calls: list[str] = []
        # It inherits this process's working folder: the sandbox's (verdict_of's cwd).
        self._process = sp.Popen([sys.executable, *COMMAND, "--answer-process"],
                                 stdin=sp.PIPE, stdout=sp.PIPE)
        _send(self._process.stdin, {"answers": data, "references": list(references),
                                    "checks_file": checks_file})
        loaded = self._reply("loading your answer")
        if not isinstance(loaded, dict) or loaded.get("error"):
            self.close()
            why = loaded.get("error") if isinstance(loaded, dict) else "no description"
            raise AnswerGone(f"your answer could not be loaded for grading ({str(why)[:200]})")
        self.copies = [str(name) for name in loaded.get("copies", [])]
        self.refused: str | None = None
        self.answers = [self._answer(item) for item in loaded.get("answers", [])]
        self.kwargs = {str(k): self._answer(v) for k, v in loaded.get("kwargs", {}).items()}

    def _answer(self, item: Any) -> Any:
        kind, value = item
        if kind == "callable":
            return RemoteAnswer(self, value)
        if kind == "refused":
            self.refused = f"your answer is a {value}, {_NOT_PLAIN}"
            return None
        return value

    def _reply(self, doing: str, timeout: float | None = None) -> Any:
        limit = self.call_timeout if timeout is None else timeout
        try:
            data = _receive(self._process.stdout.fileno(), time.monotonic() + limit,
                            f"{doing} ran past {limit:g} s and was stopped")
        except AnswerGone:
            self.close()
            raise
        reply = _plain_loads(data)
        if not _is_plain(reply):
            self.close()
            raise AnswerGone("the process running your answer sent a reply that is not "
                             "plain data")
        if isinstance(reply, dict):
            self.reference_calls += [str(n) for n in reply.get("references", [])]
        return reply

    def call(self, key: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        """Call the answer ``key`` in the answer process with ``args``; copy the arguments'
        state back, raise what it raised, or return the plain value it returned."""
        try:
            _send(self._process.stdin, {"call": key, "args": args, "kwargs": kwargs})
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            self.close()
            raise AnswerGone(f"the check's arguments could not be sent to your answer "
                             f"({type(exc).__name__}: {exc})") from exc
        reply = self._reply("your function")
        if not isinstance(reply, dict):
            raise AnswerGone("the process running your answer replied out of turn")
        for original, state in zip([*args, *kwargs.values()], reply.get("after", ()),
                                   strict=False):
            if isinstance(state, tuple) and len(state) == 2:
                _lent_back(original, state)
        if reply.get("raised"):
            raise _rebuilt(*reply["raised"])
        if reply.get("refused"):
            from lessons_lib.exercises import ExerciseFailed

            raise ExerciseFailed(f"your function returned a {reply['refused']}, {_NOT_PLAIN}")
        return reply.get("value")

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()

    def __enter__(self) -> AnswerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rebuilt(kind: str, builtin: str, message: str) -> BaseException:
    """The exception the student's function raised, as one this process can hold: the same
    builtin class when it is one (``NotImplementedError``, ``IndexError``), else its nearest
    builtin base, named as the student's; anything but an ``Exception`` stops the check."""
    import builtins

    base = getattr(builtins, str(builtin), None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        if str(kind) in ("SystemExit", "KeyboardInterrupt", "GeneratorExit") or base:
            raise AnswerGone(f"your answer stopped the check ({kind})")
        base = Exception
    try:
        error = base(str(message))
    except TypeError:  # a builtin that wants other arguments (UnicodeDecodeError)
        error = Exception(str(message))
    error.answer_type = str(kind)  # how call_student names it
    return error


class RemoteAnswer:
    """Stands for one of the student's functions: calling it calls the function in the
    answer process, which the check cannot tell apart (but for ``inspect``)."""

    def __init__(self, process: AnswerProcess, key: Any) -> None:
        self._process, self._key = process, key

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._process.call(self._key, args, kwargs)

    def __repr__(self) -> str:
        return f"<your function {self._key}>"


# --- the answer process --------------------------------------------------------------------


def answer_process_main() -> int:
    """Serve one student's answers to the verdict process that started this one: load them,
    say what they are, then run each call it asks for. Everything sent back is plain data."""
    _die_with_parent()
    replies = private_stdout(binary=True)  # what the student's code prints goes to stderr
    requests = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # and it cannot read the requests
    setup = pickle.loads(_receive(requests, None, ""))
    try:
        if setup.get("checks_file"):
            _import_file(Path(setup["checks_file"]))
        tracer = AnswerTracer(tuple(setup["references"]))
    except Exception as exc:  # noqa: BLE001 - reported to the verdict process
        _send(replies, {"error": f"the grader could not trace the course's implementation "
                                 f"({type(exc).__name__}: {exc})"})
        return 1
    try:
        answers, kwargs = pickle.loads(setup["answers"])
        answers, kwargs = tuple(answers), dict(kwargs)
    except BaseException as exc:  # noqa: BLE001 - whatever loading the answer did
        _send(replies, {"error": f"{type(exc).__name__}: {str(exc)[:200]}"})
        return 1
    everything = [*answers, *kwargs.values()]
    _send(replies, {"answers": [_described(a, i) for i, a in enumerate(answers)],
                    "kwargs": {str(k): _described(v, str(k)) for k, v in kwargs.items()},
                    "copies": tracer.copies_in(everything)})
    callables = {**dict(enumerate(answers)), **{str(k): v for k, v in kwargs.items()}}
    while True:
        try:
            request = pickle.loads(_receive(requests, None, ""))
        except AnswerGone:
            return 0
        _send(replies, _run_call(callables, tracer, request))


def _described(answer: Any, key: Any) -> tuple[str, Any]:
    """How an answer crosses: ``("callable", key)``, ``("value", plain)`` or ``("refused",
    type name)``."""
    if callable(answer):
        return "callable", key
    try:
        return "value", _to_plain(answer)
    except NotPlain as exc:
        return "refused", str(exc)


def _run_call(callables: dict[Any, Any], tracer: AnswerTracer,
              request: dict[str, Any]) -> dict[str, Any]:
    """Run one call of the student's function; the reply for the verdict process."""
    args, kwargs = request["args"], request["kwargs"]
    tracer.calls.clear()
    reply: dict[str, Any] = {}
    try:
        value = callables[request["call"]](*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - the student's error goes back as names
        builtin = next((c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"),
                       "Exception")
        reply["raised"] = (type(exc).__name__, builtin, str(exc)[:500])
        value = None
    try:
        reply["value"] = _to_plain(value)
    except NotPlain as exc:
        reply["refused"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a container whose iteration raises
        reply["refused"] = f"{type(value).__name__} ({type(exc).__name__})"
    reply["after"] = [_state_of(a) for a in [*args, *kwargs.values()]]
    reply["references"] = list(tracer.calls)
    return reply


def _resolve(dotted: str) -> tuple[Any, str, Any]:
    """The object holding ``dotted``'s last part, that name, and the object itself: the longest
    importable module prefix, then attributes (``pkg.mod.Class.method``)."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            holder = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            holder = getattr(holder, name)
        return holder, parts[-1], getattr(holder, parts[-1])
    raise ImportError(f"no module found for the reference {dotted!r}")


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and every code object nested in it (lambdas, inner functions, comprehensions)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


# Instructions that the same source compiles to or not depending on where it is compiled
# (Python 3.11 calls a method with LOAD_METHOD alone, LOAD_GLOBAL NULL + LOAD_ATTR in a module).
_NOISE = {"CACHE", "NOP", "EXTENDED_ARG", "RESUME", "PRECALL", "PUSH_NULL", "COPY_FREE_VARS",
          "MAKE_CELL"}
_SAME_OPERATION = {"LOAD_METHOD": "LOAD_ATTR"}


def _fingerprint(code: types.CodeType) -> tuple:
    """What a copy of ``code`` keeps wherever it is compiled: its instructions, with the
    names, constants and local variables they use (nested code by its own fingerprint, jumps
    by the instruction they go to), and not its docstring, file or line numbers."""
    import bisect
    import dis

    kept = [i for i in dis.get_instructions(code) if i.opname not in _NOISE]
    offsets = [i.offset for i in kept]
    print_ = []
    for instruction in kept:
        operation = _SAME_OPERATION.get(instruction.opname, instruction.opname)
        if instruction.opcode in dis.hasjrel or instruction.opcode in dis.hasjabs:
            argument: Any = bisect.bisect_left(offsets, instruction.argval)
        elif isinstance(instruction.argval, types.CodeType):
            argument = _fingerprint(instruction.argval)
        elif instruction.opname == "LOAD_CONST":
            argument = repr(instruction.argval)
        else:
            argument = str(instruction.argrepr).replace("NULL|self + ", "").replace("NULL + ",
                                                                                    "")
        print_.append((operation, argument))
    return tuple(print_)


def _functions(module: types.ModuleType) -> Iterator[Any]:
    """The Python functions of a module and of the classes it defines."""
    for value in list(vars(module).values()):
        if isinstance(value, types.FunctionType):
            yield value
        elif isinstance(value, type) and value.__module__ == module.__name__:
            for member in vars(value).values():
                inner = getattr(member, "__func__", member)
                if isinstance(inner, types.FunctionType):
                    yield inner


def _course_modules() -> list[types.ModuleType]:
    return [m for name, m in list(sys.modules.items()) if isinstance(m, types.ModuleType)
            and (name == _PACKAGE or name.startswith(f"{_PACKAGE}."))]


def _reachable_functions(roots: list[Any], limit: int = 2000) -> Iterator[types.FunctionType]:
    """The Python functions an answer reaches: itself, its closure, defaults and the globals
    its code names, a partial's function and arguments, a method's function, the ``__call__``
    of an instance's class; then theirs."""
    seen: set[int] = set()
    queue = list(roots)
    while queue and len(seen) < limit:
        item = queue.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, types.FunctionType):
            yield item
            names = {n for code in _code_objects(item.__code__) for n in code.co_names}
            queue += [item.__globals__[n] for n in names if n in item.__globals__]
            queue += [cell.cell_contents for cell in item.__closure__ or ()
                      if _filled(cell)]
            queue += list(item.__defaults__ or ()) + list((item.__kwdefaults__ or {}).values())
        elif isinstance(item, functools.partial):
            queue += [item.func, *item.args, *item.keywords.values()]
        elif isinstance(item, types.MethodType):
            queue.append(item.__func__)
        elif callable(item) and not isinstance(item, (type, types.BuiltinFunctionType,
                                                      types.ModuleType)):
            queue += [vars(c)["__call__"] for c in type(item).__mro__ if "__call__" in vars(c)]


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


class AnswerTracer:
    """In the answer process: each reference implementation replaced by a wrapper that notes
    the calls the student's code makes (not those of the course's other helpers), and the
    fingerprints of the references' code, to find copies."""

    def __init__(self, references: tuple[str, ...]) -> None:
        self.calls: list[str] = []
        found = [(name, *_resolve(name)) for name in references]  # imports their modules
        self._helpers = {code for module in _course_modules()
                         if not module.__name__.startswith(_NOT_HELPERS)
                         for func in _functions(module)
                         for code in _code_objects(func.__code__)}
        self._prints: dict[tuple, str] = {}
        for name, holder, attribute, original in found:
            inner = getattr(original, "__func__", original)
            if isinstance(inner, types.FunctionType):
                self._prints[_fingerprint(inner.__code__)] = name
            setattr(holder, attribute, self._wrap(name, original))
        self._originals = {id(getattr(o, "__func__", o)) for *_, o in found}

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def traced(*args: Any, **kwargs: Any) -> Any:
            if sys._getframe(1).f_code not in self._helpers:
                self.calls.append(name)
            return original(*args, **kwargs)

        return traced

    def copies_in(self, answers: list[Any]) -> list[str]:
        """The references whose code a function the answers reach copies."""
        found = []
        for func in _reachable_functions(answers):
            if id(func) in self._originals:
                continue  # the reference itself: its calls are traced
            for code in _code_objects(func.__code__):
                name = self._prints.get(_fingerprint(code))
                if name and name not in found:
                    found.append(name)
        return found


# --- every captured answer at once ---------------------------------------------------------


def captured_main(argv: list[str]) -> int:
    """``--captured DIR [--expect STATUS]``: the clean verdict on every ``*.pkl`` under DIR."""
    from lessons_lib import exercises

    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.verdicts",
                                     description="Check captured answers in clean processes.")
    parser.add_argument("--captured", type=Path, required=True, metavar="DIR",
                        help="a folder of <label>.pkl (and .error) files, searched recursively")
    parser.add_argument("--expect", choices=[s.value for s in Status], metavar="STATUS",
                        help="exit 0 only when every registered exercise is there with this "
                        "status")
    parser.add_argument("--timeout", type=float, default=VERDICT_TIMEOUT)
    args = parser.parse_args(argv)
    if not args.captured.is_dir():
        parser.error(f"--captured {args.captured}: no such folder; run the chapters with "
                     f"{ANSWERS_ENV} set first")
    files = {p.stem: p for p in sorted(args.captured.rglob("*.pkl"))}
    errors = {p.stem: p.read_text("utf-8") for p in sorted(args.captured.rglob("*.error"))}
    verdicts = {}
    for label in sorted(set(files) | set(errors)):
        started = time.perf_counter()
        verdicts[label] = (verdict_of(label, files[label], timeout=args.timeout)
                           if label in files else _errored(label, errors[label]))
        seconds = time.perf_counter() - started
        print(f"{label:<26} {verdicts[label]['status']:<13} {seconds:5.1f} s  "
              f"{' '.join(str(verdicts[label].get('feedback', '')).split())[:100]}")
    if not args.expect:
        return 0
    registered = set(exercises.registry())
    absent = sorted(registered - set(verdicts))
    wrong = sorted(label for label, v in verdicts.items() if v["status"] != args.expect)
    for label in absent:
        print(f"{label}: no captured answer", file=sys.stderr)
    for label in wrong:
        print(f"{label}: {verdicts[label]['status']}, expected {args.expect}", file=sys.stderr)
    print(f"{len(verdicts)} captured, {len(registered)} registered: "
          f"{len(absent)} missing, {len(wrong)} not {args.expect}", file=sys.stderr)
    return 0 if not absent and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
