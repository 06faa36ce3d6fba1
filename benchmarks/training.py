"""How fast the four models train through lessons_lib, and whether they reproduce the article.

Speed mode (the default) prints one table: seconds per epoch for each model trained through
``lessons_lib.training`` next to a plain Keras 3 port of the article's training (the same model,
compiled with Keras's defaults and fitted with ``model.fit(x, y, batch_size=32, epochs=10,
validation_split=0.2)``) on the same data in the same run, and their ratio; then the cold and
warm data-load times and the wall time of the whole training chapter (``book/06_training``,
executed with nbclient in a fresh kernel) with an empty cache and again with a full one.

Reproduction mode (``--reproduce``) trains every model with several seeds (0, 1, 2 by default)
at the article's settings, through the cache, and prints each run's test accuracy, the mean
and the spread next to the article's number. Chapter 6 trains the feed-forward net and the
stacked SimpleRNN with seeds 0 to 4 through the same cache and shows their spread itself;
``--reproduce --seeds 0 1 2 3 4`` reuses those runs and adds the LSTM and the convnet.

    python benchmarks/training.py                  # speed table (about 15 minutes on 2 cores)
    python benchmarks/training.py --epochs 2       # a quicker speed table
    python benchmarks/training.py --reproduce      # 3 seeds x 4 models (slow)

``run(...)`` returns the rows as a list of dicts for other scripts. The IMDB data come from
``lessons_lib.data.load_imdb`` (set ``LESSONS_IMDB_ARCHIVE`` to use a local archive).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ARTICLE_ACCURACY = {"feed_forward": 0.7931, "simple_rnn": 0.7911, "simple_lstm": 0.8321,
                    "simple_cnn": 0.7915}
CHAPTER = ROOT / "book" / "06_training.ipynb"


def plain_port(name: str, x: np.ndarray, y: np.ndarray, epochs: int) -> list[float]:
    """The article's training, in plain Keras 3: default compile, ``model.fit``; epoch times."""
    import keras

    from lessons_lib import models, training

    keras.utils.set_random_seed(0)
    model = models.build_model(name)  # compiled with adam / binary cross-entropy / accuracy
    timer = training.EpochTimer()
    model.fit(x, y, batch_size=32, epochs=epochs, validation_split=0.2, verbose=0,
              callbacks=[timer])
    return timer.seconds


def through_lessons_lib(name: str, x: np.ndarray, y: np.ndarray, epochs: int) -> list[float]:
    """``lessons_lib.training.train`` without the cache; epoch times."""
    from lessons_lib import training

    return training.train(name, x, y, epochs=epochs, cache=False, verbose=0).history[
        "epoch_seconds"]


def speed_rows(names: list[str], epochs: int, plain: bool) -> list[dict[str, Any]]:
    """Seconds per epoch per model, plain port vs lessons_lib, in this process."""
    from lessons_lib.data import load_imdb

    (x, y), _ = load_imdb()
    rows = []
    for name in names:
        ours = through_lessons_lib(name, x, y, epochs)
        theirs = plain_port(name, x, y, epochs) if plain else []
        row = {"kind": "epoch", "model": name, "epochs": epochs,
               "lessons_first_s": ours[0], "lessons_later_s": float(np.median(ours[1:] or ours)),
               "lessons_total_s": float(np.sum(ours))}
        if theirs:
            row.update(plain_first_s=theirs[0],
                       plain_later_s=float(np.median(theirs[1:] or theirs)),
                       plain_total_s=float(np.sum(theirs)))
            row["speedup_total"] = row["plain_total_s"] / row["lessons_total_s"]
        rows.append(row)
        _print_speed_row(row)
    return rows


def _timed_subprocess(code: str, env: dict[str, str]) -> float:
    """Run ``python -c code`` and return the seconds it prints on its last line."""
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def data_load_rows() -> list[dict[str, Any]]:
    """Cold (empty cache) and warm ``load_imdb()`` times, each in a fresh process."""
    code = ("import time; t = time.perf_counter(); from lessons_lib.data import load_imdb; "
            "load_imdb(); print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "LESSONS_CACHE_DIR": cache}
        cold = _timed_subprocess(code, env)
        warm = _timed_subprocess(code, env)
    return [{"kind": "data", "what": "load_imdb() cold", "seconds": cold},
            {"kind": "data", "what": "load_imdb() warm", "seconds": warm}]


def execute_chapter(cache: str) -> float:
    """Wall time of executing the training chapter in a fresh kernel with this cache folder."""
    import nbclient
    import nbformat

    nb = nbformat.read(CHAPTER, as_version=4)
    os.environ["LESSONS_CACHE_DIR"] = cache
    os.environ["LESSONS_BOOK_BUILD"] = "1"
    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTER.parent)}}).execute()
    return time.perf_counter() - start


def chapter_rows() -> list[dict[str, Any]]:
    """The chapter's wall time with an empty cache (data and models) and with a full one."""
    saved = {k: os.environ.get(k) for k in ("LESSONS_CACHE_DIR", "LESSONS_BOOK_BUILD")}
    try:
        with tempfile.TemporaryDirectory() as cache:
            cold = execute_chapter(cache)
            warm = execute_chapter(cache)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return [{"kind": "chapter", "what": "06_training cold (empty cache)", "seconds": cold},
            {"kind": "chapter", "what": "06_training warm (cached)", "seconds": warm}]


def reproduce_rows(names: list[str], seeds: list[int]) -> list[dict[str, Any]]:
    """Test accuracy of every model for every seed, at the article's settings (cached)."""
    from lessons_lib import training
    from lessons_lib.data import load_imdb

    (x, y), (x_test, y_test) = load_imdb()
    rows = []
    for name in names:
        for seed in seeds:
            trained = training.train(name, x, y, seed=seed, verbose=0)
            scores = training.evaluate(trained, x_test, y_test)
            rows.append({"kind": "reproduce", "model": name, "seed": seed,
                         "accuracy": scores["accuracy"], "loss": scores["loss"],
                         "article": ARTICLE_ACCURACY[name], "fit_seconds": trained.fit_seconds})
            print(f"  {name:13s} seed {seed}: test accuracy {scores['accuracy']:.4f}", flush=True)
    return rows


def run(names: list[str] | None = None, epochs: int = 10, plain: bool = True,
        chapter: bool = True, data: bool = True, reproduce: bool = False,
        seeds: list[int] | None = None) -> list[dict[str, Any]]:
    """Run the benchmark and return its rows (also printed as tables)."""
    from lessons_lib import models

    names = names or list(models.MODELS)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}")
    if reproduce:
        rows = reproduce_rows(names, seeds or [0, 1, 2])
        print_reproduction(rows)
        return rows
    rows = speed_rows(names, epochs, plain)
    if data:
        rows += data_load_rows()
    if chapter:
        rows += chapter_rows()
    print_speed(rows)
    return rows


def _print_speed_row(row: dict[str, Any]) -> None:
    plain = (f"plain {row['plain_first_s']:6.1f} / {row['plain_later_s']:6.1f} s"
             if "plain_total_s" in row else "")
    print(f"  {row['model']:13s} lessons_lib first/later epoch {row['lessons_first_s']:6.1f} / "
          f"{row['lessons_later_s']:6.1f} s  {plain}", flush=True)


def print_speed(rows: list[dict[str, Any]]) -> None:
    """The speed table."""
    epoch_rows = [r for r in rows if r["kind"] == "epoch"]
    if epoch_rows:
        n = epoch_rows[0]["epochs"]
        print(f"\nseconds per epoch ({n} epochs; first epoch includes compilation)")
        print(f"{'model':14s}{'plain 1st':>10s}{'plain later':>12s}{'ours 1st':>10s}"
              f"{'ours later':>11s}{'plain total':>12s}{'ours total':>11s}{'ratio':>7s}")
        for r in epoch_rows:
            print(f"{r['model']:14s}{r.get('plain_first_s', float('nan')):10.1f}"
                  f"{r.get('plain_later_s', float('nan')):12.1f}{r['lessons_first_s']:10.1f}"
                  f"{r['lessons_later_s']:11.1f}{r.get('plain_total_s', float('nan')):12.1f}"
                  f"{r['lessons_total_s']:11.1f}{r.get('speedup_total', float('nan')):7.2f}")
        plain_total = sum(r.get("plain_total_s", float("nan")) for r in epoch_rows)
        ours_total = sum(r["lessons_total_s"] for r in epoch_rows)
        print(f"{'all models':14s}{'':32s}{'':11s}{plain_total:12.1f}{ours_total:11.1f}"
              f"{plain_total / ours_total:7.2f}")
    for r in rows:
        if r["kind"] in ("data", "chapter"):
            print(f"{r['what']:40s}{r['seconds']:8.1f} s")


def print_reproduction(rows: list[dict[str, Any]]) -> None:
    """Mean, spread and each run next to the article's accuracy."""
    print(f"\n{'model':14s}{'article':>9s}{'mean':>8s}{'std':>8s}{'min':>8s}{'max':>8s}"
          f"{'mean - article':>16s}  runs")
    for name in dict.fromkeys(r["model"] for r in rows):
        acc = np.array([r["accuracy"] for r in rows if r["model"] == name])
        article = ARTICLE_ACCURACY[name]
        runs = ", ".join(f"{a:.4f}" for a in acc)
        spread = acc.std(ddof=1) if acc.size > 1 else 0.0
        print(f"{name:14s}{article:9.4f}{acc.mean():8.4f}{spread:8.4f}"
              f"{acc.min():8.4f}{acc.max():8.4f}{100 * (acc.mean() - article):+15.2f}p  {runs}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", help="model names (default: all four)")
    parser.add_argument("--epochs", type=int, default=10, help="epochs for the speed table")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain Keras port")
    parser.add_argument("--no-chapter", action="store_true", help="skip executing the chapter")
    parser.add_argument("--no-data", action="store_true", help="skip the data-load timing")
    parser.add_argument("--reproduce", action="store_true", help="train with several seeds")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    run(args.models, args.epochs, plain=not args.no_plain, chapter=not args.no_chapter,
        data=not args.no_data, reproduce=args.reproduce, seeds=args.seeds)


if __name__ == "__main__":
    main()
