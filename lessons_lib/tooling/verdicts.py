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
answer it calls :func:`verdict_of`, which starts ``python -I -m lessons_lib.tooling.verdicts``
(a fresh interpreter; ``-I``: the notebook's folder is not on ``sys.path`` and no ``PYTHON*``
variable counts) and sends it one JSON request on stdin: a random token, the label, the answers
file, its receipt and, for a check kept outside ``lessons_lib`` (the tests' fake chapter), the
file of its module. The process (:func:`main`):

1. points its file descriptor 1 at stderr, keeping a private copy of the real stdout, so that
   nothing the student's code prints can reach the grader;
2. imports the exercise's check and the modules of its ``reference`` implementations
   (``@exercise(label, reference=(...))``) and replaces each of those with a tracer;
3. records the identity of every attribute of ``lessons_lib.*`` (and of their classes), and of
   every callable of the other imported modules (numpy, numpy.linalg, math, builtins, ...),
   with the code of their Python functions and of the check;
4. unpickles the answers (which may run the student's code) and runs the check on them;
5. compares the record with what is there now: anything replaced makes the verdict ``failed``,
   naming what changed; a tracer called from the student's code while the check runs it (a
   ``call_student`` frame on the stack, the caller not one of the course's own helpers) makes
   it ``failed``: the answer "calls the course's own implementation";
6. writes the token and the verdict as JSON, one line, on the real stdout, and exits.

:func:`verdict_of` accepts only a line that starts with its token (exactly one): no such line
(the answer called ``os._exit``, crashed the process, ran past the timeout) is ``errored``,
with a sentence that says so.

``python -m lessons_lib.tooling.verdicts --captured DIR --expect passed`` runs the clean
verdict on every ``*.pkl`` under ``DIR`` (``make notebooks`` leaves the book's own solutions
there) and fails unless every registered exercise is there and has that status.

What is closed: a verdict printed or displayed by the notebook, ``check`` or ``np.allclose``
patched in the kernel, the checks' helpers patched by the answer while it runs, the answer
calling the course's implementation (itself, wrapped in a lambda, a ``def`` or
``functools.partial``, or imported by name into the answer), output mixed into the channel.

What remains possible (read flagged notebooks): the student's code still runs, as the user who
grades, in the kernel and, when the check calls it, in the verdict process, where code written
to attack the grader itself can find the token in memory and write a verdict of its own, or
leave the check's modules alone and bend a value the check compares (an object whose ``==`` is
always true); a reference reached through another of the course's helpers that calls it (say
``bptt.loss_and_gradients`` for ``bptt.backward``) is not told apart from that helper's
ordinary use; answers that are values, not functions, are computed in the kernel, where nothing
says how. ``--container`` (in ``grade``) takes away the machine and the network, not that.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import importlib.util
import json
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
               command: list[str] | None = None, sha256: str | None = None) -> dict[str, Any]:
    """The clean verdict on the answers in ``answers_file``, from a fresh process.

    ``env`` is the process's environment (default: this one's); ``checks_file`` the module of a
    check registered outside ``lessons_lib``; ``command`` what starts the process (default
    ``[sys.executable, "-I", "-m", "lessons_lib.tooling.verdicts"]``); ``sha256`` the digest
    the file must have (the kernel's receipt), checked before it is loaded. Whatever goes wrong,
    a verdict comes back: ``errored`` with a sentence when the process gave none.
    """
    token = secrets.token_hex(16)
    request = {"token": token, "label": label, "answers": str(answers_file),
               "checks_file": str(checks_file) if checks_file else None, "sha256": sha256}
    argv = command or [sys.executable, "-I", "-m", "lessons_lib.tooling.verdicts"]
    try:
        done = subprocess.run(argv, input=json.dumps(request), capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
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
    """Entry point: ``--captured DIR`` checks a folder of answers; else one request on stdin."""
    args = sys.argv[1:] if argv is None else argv
    if args:
        return captured_main(args)
    raw = sys.stdin.read()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")  # the real stdout, kept private
    os.dup2(2, 1)  # whatever else writes to fd 1 goes to stderr
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
    os._exit(0)  # no atexit hook or finaliser of the student's may run after the verdict


def clean_verdict(request: dict[str, Any]) -> dict[str, Any]:
    """The verdict on one request, with tampering and reference calls checked."""
    from lessons_lib import exercises

    label = str(request.get("label"))
    try:
        if request.get("checks_file"):
            _import_file(Path(request["checks_file"]))
        entry = exercises.lookup(label)
        tracer = ReferenceTracer(entry.reference)
        snapshot = Snapshot(entry.check)
    except Exception as exc:  # noqa: BLE001 - a broken course is reported, not raised
        return _errored(label, f"the check could not be set up: {type(exc).__name__}: {exc}")
    try:
        data = Path(request["answers"]).read_bytes()
        if request.get("sha256") and hashlib.sha256(data).hexdigest() != request["sha256"]:
            return _errored(label, "the answer file was changed after check() handed it over "
                                   "(another process wrote to it): the answer cannot be trusted")
        answers, kwargs = pickle.loads(data)
        verdict = exercises.run_check(label, *answers, **kwargs)
    except Exception as exc:  # noqa: BLE001 - an answer that does not load is a verdict
        verdict = _errored(label, f"your answer could not be loaded for grading "
                                  f"({type(exc).__name__}: {str(exc)[:200]})")
        verdict["chapter"] = entry.chapter
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt from an answer
        verdict = _errored(label, f"your answer stopped the check ({type(exc).__name__})")
    verdict.setdefault("points", entry.points)
    changed = snapshot.changed() + tracer.replaced()
    if changed:
        return _forged(verdict, "your code changed what the grader relies on: "
                       + ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else ""))
    if tracer.calls:
        names = ", ".join(sorted(set(tracer.calls)))
        return _forged(verdict, f"your answer calls the course's own implementation ({names}) "
                                "instead of doing the work itself")
    return verdict


def _forged(verdict: dict[str, Any], sentence: str) -> dict[str, Any]:
    """``verdict`` turned into a failure for the reason ``sentence``."""
    return {**verdict, "status": Status.FAILED.value, "feedback": sentence, "score": 0.0}


def _import_file(path: Path) -> types.ModuleType:
    """Import the checks module at ``path`` under its file's name (answers may refer to it)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the checks module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


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


class ReferenceTracer:
    """Replaces each reference implementation with a wrapper that notes the calls the student's
    code makes (the check runs it through ``call_student``), and not those the check or the
    course's other helpers make."""

    def __init__(self, references: tuple[str, ...]) -> None:
        from lessons_lib import exercises

        self.calls: list[str] = []
        self._installed: list[tuple[Any, str, Any]] = []
        self._student_frames = {exercises.call_student.__code__}
        found = [(name, *_resolve(name)) for name in references]  # imports their modules
        # Recorded before the tracers go in: the originals' code counts as the course's.
        self._helpers = {code for module in _course_modules()
                         if not module.__name__.startswith(_NOT_HELPERS)
                         for func in _functions(module)
                         for code in _code_objects(func.__code__)}
        for name, holder, attribute, original in found:
            traced = self._wrap(name, original)
            setattr(holder, attribute, traced)
            self._installed.append((holder, attribute, traced))

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def traced(*args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1)
            if caller.f_code not in self._helpers and self._student_running(caller):
                self.calls.append(name)
            return original(*args, **kwargs)

        return traced

    def _student_running(self, frame: types.FrameType | None) -> bool:
        """Whether a ``call_student`` frame is on the stack: the answer is running."""
        while frame is not None:
            if frame.f_code in self._student_frames:
                return True
            frame = frame.f_back
        return False

    def replaced(self) -> list[str]:
        """The tracers that are no longer where they were put."""
        return [f"{getattr(holder, '__name__', holder)}.{attribute}"
                for holder, attribute, traced in self._installed
                if getattr(holder, attribute, None) is not traced]


class Snapshot:
    """The identity of what a check relies on, recorded before the answer is loaded."""

    def __init__(self, check: Callable[..., Any]) -> None:
        self._check = check
        self._check_parts = self._parts(check)
        self._attributes: dict[tuple[str, str], Any] = {}
        self._codes: dict[str, Any] = {}
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType):
                continue
            course = name == _PACKAGE or name.startswith(f"{_PACKAGE}.")
            for attribute, value in list(vars(module).items()):
                if course or callable(value) or isinstance(value, types.ModuleType):
                    self._attributes[name, attribute] = value
            if course:
                for func in _functions(module):
                    self._codes[f"{func.__module__}.{func.__qualname__}"] = (func, func.__code__)
                for attribute, value in list(vars(module).items()):
                    if isinstance(value, type) and value.__module__ == name:
                        for member, inner in list(vars(value).items()):
                            self._attributes[name, f"{attribute}.{member}"] = inner

    @staticmethod
    def _parts(func: Callable[..., Any]) -> tuple:
        return (getattr(func, "__code__", None), getattr(func, "__defaults__", None),
                getattr(func, "__kwdefaults__", None))

    def changed(self) -> list[str]:
        """What was replaced since the record (new attributes do not count)."""
        found = []
        modules = sys.modules
        for (name, attribute), value in self._attributes.items():
            module = modules.get(name)
            if module is None:
                found.append(f"the module {name} was removed")
                continue
            holder: Any = module
            *owners, last = attribute.split(".")
            for owner in owners:
                holder = getattr(holder, owner, None)
            current = vars(holder).get(last, _MISSING) if holder is not None else _MISSING
            if current is not value and current is not _MISSING:
                found.append(f"{name}.{attribute} was replaced")
        found += [f"{qualname} had its code replaced"
                  for qualname, (func, code) in self._codes.items() if func.__code__ is not code]
        if self._parts(self._check) != self._check_parts:
            found.append("the check itself was changed")
        return found


_MISSING = object()


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
