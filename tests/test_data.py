"""Tests of lessons_lib.data on a tiny archive with the layout of aclImdb_v1.tar.gz.

Every test builds its own archive in ``tmp_path`` and its own cache folder, so the tests are
fast and need no shared data. One test reads the real archive, only when
``LESSONS_IMDB_ARCHIVE`` is set.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import tarfile
import time
import types
from pathlib import Path

import numpy as np
import pytest

from lessons_lib import cache, data

# (split, sentiment, id, rating, text); ids deliberately out of order in the archive.
REVIEWS = [
    ("train", "pos", 3, 9, "Great film. Great acting, great fun!<br /><br />Don't miss it."),
    ("train", "pos", 1, 10, "A great, great film: fun for all."),
    ("train", "pos", 2, 8, "Fun fun fun. 'Tis a film I'd see again..."),
    ("train", "neg", 0, 1, "A bad film. Bad acting; boring plot."),
    ("train", "neg", 5, 2, "Boring, boring, BAD.<br />The plot's a mess."),
    ("train", "neg", 4, 3, "Not a film I'd see again: bad, bad, bad."),
    ("test", "pos", 7, 10, "Great fun, a wonderful film!"),
    ("test", "pos", 6, 7, "Fun café film, great cast."),
    ("test", "neg", 9, 2, "Bad film, dreadful plot."),
    ("test", "neg", 8, 4, "Boring. Terrible. A bad film, bad bad."),
]


def write_archive(path: Path, reviews=REVIEWS, extra: bool = True) -> Path:
    """Write a tar.gz with the aclImdb layout: README, imdb.vocab, unsup and the reviews."""
    with tarfile.open(path, "w:gz") as archive:
        def add(name: str, text: str) -> None:
            payload = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))

        if extra:
            add("aclImdb/README", "Large Movie Review Dataset v1.0")
            add("aclImdb/imdb.vocab", "the\nand\n")
            add("aclImdb/train/unsup/0_0.txt", "unlabelled words must be ignored")
        for split, sentiment, rid, rating, text in reviews:
            add(f"aclImdb/{split}/{sentiment}/{rid}_{rating}.txt", text)
    return path


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    """A cache folder of its own, no archive variable, and no corpus remembered in memory."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv(data.ARCHIVE_ENV, raising=False)
    data._corpus_for.cache_clear()
    yield
    data._corpus_for.cache_clear()


@pytest.fixture
def archive(monkeypatch, tmp_path) -> Path:
    path = write_archive(tmp_path / "aclImdb_v1.tar.gz")
    monkeypatch.setenv(data.ARCHIVE_ENV, str(path))
    return path


def texts_by_id(split: str) -> dict[int, str]:
    return {rid: text for s, _, rid, _, text in REVIEWS if s == split}


# --- the tokenizer ----------------------------------------------------------------------------


def test_tokenize_documented_rules():
    text = "Don't miss it!<br /><br />A WELL-made film; 'Tis 10/10, isn’t it? snake_case"
    assert data.tokenize(text) == [
        "don't", "miss", "it", "a", "well", "made", "film", "tis", "10", "10", "isn't", "it",
        "snake", "case",
    ]


@pytest.mark.parametrize("text", [
    "Don't miss it!<br /><br />A WELL-made film",
    "'quoted' words'' and ''more'' rock''n''roll o' ' '' '",
    "Café naïve ÉCOLE — “quotes” … isn’t 2nd_place ½ x²",
    "tabs\tand\nnewlines<br/>not-a-break <BR />upper",
    "",
])
def test_fast_tokenizer_matches_tokenize(text):
    fast = [t.strip(b"'").decode("utf-8") for t in data._raw_tokens(text.encode("utf-8"))]
    assert [t for t in fast if t] == data.tokenize(text)


# --- the tar reader ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_tar_reader_agrees_with_tarfile(tmp_path, fmt):
    names = ["aclImdb/train/pos/1_9.txt", "aclImdb/" + "long_folder/" * 9 + "file.txt",
             "aclImdb/" + "x" * 120 + ".txt", "aclImdb/café/naïve.txt", "aclImdb/empty.txt"]
    if fmt != tarfile.PAX_FORMAT:
        names = [n for n in names if n.isascii() and len(n.split("/")[-1]) < 100]
    path = tmp_path / "formats.tar.gz"
    with tarfile.open(path, "w:gz", format=fmt) as archive:
        archive.addfile(_directory("aclImdb"))
        for k, name in enumerate(names):
            payload = f"content {k} ".encode() * (k * 100)
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    with gzip.open(path) as stream:
        ours = list(data._tar_files(stream))
    with tarfile.open(path) as archive:
        theirs = [(m.name, archive.extractfile(m).read()) for m in archive if m.isfile()]
    assert ours == theirs and len(ours) == len(names)


def _directory(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info


# --- shapes, labels, ids ----------------------------------------------------------------------


@pytest.mark.parametrize("vocab_size,max_len", [(4, 1), (10, 5), (1000, 12)])
def test_shapes_labels_and_id_range(archive, vocab_size, max_len):
    (x_train, y_train), (x_test, y_test) = data.load_imdb(vocab_size, max_len)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.shape == (len(y), max_len) and x.dtype == np.int32
        assert y.dtype == np.int32 and set(y.tolist()) == {0, 1}
        assert 0 <= x.min() and x.max() < vocab_size
    assert len(y_train) == 6 and y_train.sum() == 3
    assert len(y_test) == 4 and y_test.sum() == 2


def test_ids_follow_training_frequency_ranks(archive):
    corpus = data.load_corpus()
    counts = dict(zip(corpus.words, corpus.counts.tolist(), strict=True))
    # 'bad' 6 times, then four words 5 times each: ties are broken alphabetically
    assert corpus.words[:6] == ("bad", "a", "film", "fun", "great", "boring")
    assert counts["bad"] == 6 and counts["great"] == 5 and counts["boring"] == 3
    assert counts["plot"] == 1 and counts["plot's"] == 1  # the apostrophe stays inside
    assert "'tis" not in counts and counts["tis"] == 1  # but goes at the ends
    assert list(corpus.counts) == sorted(corpus.counts, reverse=True)
    index = data.get_word_index()
    assert index["bad"] == 4 and index["a"] == 5 and index["film"] == 6
    assert "unlabelled" not in index  # train/unsup is not read
    assert "wonderful" not in index  # only in the test reviews


def test_padding_truncation_and_oov_at_the_front(archive):
    (x_train, _), (x_test, _) = data.load_imdb(vocab_size=1000, max_len=12)
    corpus = data.load_corpus()
    index = data.get_word_index()
    for i in range(len(x_train)):
        review = corpus.train.review(i).tolist()
        full = [data.START] + review
        expected = [0] * max(0, 12 - len(full)) + full[-12:]
        assert x_train[i].tolist() == expected
    # a word seen only in test reviews is out of vocabulary whatever the vocab_size
    row = data.encode_review("wonderful film", vocab_size=1000, max_len=4)
    assert row.tolist() == [0, data.START, data.OOV, index["film"]]
    # a small vocabulary turns the rarer words into OOV
    small = data.encode_review("bad film great", vocab_size=7, max_len=3)
    assert small.tolist() == [4, 6, data.OOV]


def test_rows_match_their_texts_and_encode_review(archive):
    (x_train, y_train), (x_test, y_test) = data.load_imdb(vocab_size=1000, max_len=30)
    (t_train, yt_train), (t_test, yt_test) = data.load_imdb_texts()
    assert np.array_equal(y_train, yt_train) and np.array_equal(y_test, yt_test)
    for texts, x, split in ((t_train, x_train, "train"), (t_test, x_test, "test")):
        assert sorted(texts) == sorted(texts_by_id(split).values())  # unchanged, <br /> too
        assert np.array_equal(data.encode_review(texts, vocab_size=1000, max_len=30), x)
    corpus = data.load_corpus()
    for i, text in enumerate(t_train):
        rid = int(corpus.train.review_ids[i])
        assert texts_by_id("train")[rid] == text
        assert (corpus.train.ratings[i] >= 7) == bool(y_train[i])


def test_decode_review(archive):
    (x_train, _), _ = data.load_imdb(vocab_size=1000, max_len=40)
    texts = data.load_imdb_texts()[0][0]
    decoded = data.decode_review(x_train[0])
    assert decoded == "<START> " + " ".join(data.tokenize(texts[0]))
    assert data.decode_review([0, 0, 1, 2, 4]) == "<START> <OOV> bad"
    assert data.decode_review([0, 1], skip_padding=False) == "<PAD> <START>"
    with pytest.raises(ValueError, match="not a word id"):
        data.decode_review([10**6])


def test_fixed_shuffle_is_deterministic_and_mixed(archive, tmp_path, monkeypatch):
    (x1, y1), (xt1, yt1) = data.load_imdb(1000, 20)
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "other-cache"))
    data._corpus_for.cache_clear()
    (x2, y2), (xt2, yt2) = data.load_imdb(1000, 20)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2) and np.array_equal(xt1, xt2)
    assert y1.tolist() != sorted(y1.tolist())  # shuffled, not grouped by label


def test_archive_order_does_not_matter(tmp_path, monkeypatch):
    shuffled = [REVIEWS[i] for i in np.random.default_rng(0).permutation(len(REVIEWS))]
    first = write_archive(tmp_path / "a.tar.gz")
    second = write_archive(tmp_path / "b.tar.gz", reviews=shuffled, extra=False)
    monkeypatch.setenv(data.ARCHIVE_ENV, str(first))
    x1 = data.load_imdb(1000, 20)[0][0]
    monkeypatch.setenv(data.ARCHIVE_ENV, str(second))
    x2 = data.load_imdb(1000, 20)[0][0]
    assert np.array_equal(x1, x2)


# --- the caches -------------------------------------------------------------------------------


def test_second_load_reads_the_cache_not_the_archive(archive, monkeypatch, tmp_path):
    first = data.load_imdb(1000, 10)
    cache = tmp_path / "cache"
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 2 and not any(n.endswith(".tmp") for n in names)
    assert any(n.startswith(f"imdb-corpus-t{data.TOKENIZER_VERSION}-") for n in names)
    data._corpus_for.cache_clear()

    def fail(path):
        raise AssertionError("the archive was read again")

    monkeypatch.setattr(data, "_read_archive", fail)
    second = data.load_imdb(1000, 10)
    assert all(np.array_equal(a, b) for a, b in zip(first[0] + first[1],
                                                        second[0] + second[1], strict=True))
    # another vocab_size or max_len comes from the same cached corpus
    assert data.load_imdb(50, 3)[0][0].shape == (6, 3)


def test_a_new_tokenizer_version_rebuilds_the_cache(archive, monkeypatch, tmp_path):
    data.load_imdb()
    monkeypatch.setattr(data, "TOKENIZER_VERSION", data.TOKENIZER_VERSION + 1)
    data._corpus_for.cache_clear()
    data.load_imdb()
    corpus_files = sorted((tmp_path / "cache").glob("imdb-corpus-*.npz"))
    assert len(corpus_files) == 2


def test_a_changed_archive_gets_its_own_cache(archive, tmp_path):
    x1 = data.load_imdb(1000, 10)[0][0]
    changed = [r[:4] + (r[4] + " extra words",) for r in REVIEWS]
    write_archive(archive, reviews=changed)
    data._corpus_for.cache_clear()
    x2 = data.load_imdb(1000, 10)[0][0]
    assert not np.array_equal(x1, x2)


def test_a_corrupt_cache_file_is_rebuilt(archive, tmp_path):
    expected = data.load_imdb(1000, 10)[0][0]
    for path in (tmp_path / "cache").glob("*.npz"):
        path.write_bytes(b"garbage")
    data._corpus_for.cache_clear()
    assert np.array_equal(data.load_imdb(1000, 10)[0][0], expected)
    assert len(data.load_imdb_texts()[0][0]) == 6


def test_keras_cache_is_used_without_the_variable(tmp_path):
    target = data.keras_cache_path()
    assert target == tmp_path / "keras" / "datasets" / "aclImdb_v1.tar.gz"
    target.parent.mkdir(parents=True)
    write_archive(target)
    assert data.archive_path() == target
    assert data.load_imdb(10, 5)[0][0].shape == (6, 5)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs,match", [
    ({"vocab_size": 3}, "vocab_size must be an integer >= 4"),
    ({"vocab_size": 0}, "vocab_size"),
    ({"vocab_size": 100.0}, "got 100.0"),
    ({"max_len": 0}, "max_len must be an integer >= 1, got 0"),
    ({"max_len": -5}, "max_len"),
    ({"max_len": True}, "max_len"),
])
def test_bad_sizes_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_imdb(**kwargs)  # checked before the archive is looked for
    with pytest.raises(ValueError, match=match):
        data.encode_review("good film", **kwargs)


def assert_nothing_cached(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_truncated_archive_is_a_clear_error_and_caches_nothing(tmp_path, monkeypatch):
    good = write_archive(tmp_path / "good.tar.gz").read_bytes()
    bad = tmp_path / "truncated.tar.gz"
    bad.write_bytes(good[: len(good) * 2 // 3])
    monkeypatch.setenv(data.ARCHIVE_ENV, str(bad))
    with pytest.raises(data.CorruptArchiveError, match="not a complete, readable"):
        data.load_imdb()
    assert_nothing_cached(tmp_path)


# mtime=0 and ids: the gzip header holds a time, and pytest-xdist's workers must collect the
# same test names (a header written a second later made a different name, failing collection).
@pytest.mark.parametrize("content", [
    b"this is a plain text file, not an archive\n" * 20,
    gzip.compress(b"gzip, but no tar inside" * 100, mtime=0),
    b"",
], ids=["plain-text", "gzip-without-tar", "empty"])
def test_a_file_that_is_not_a_tar_gz_is_a_clear_error(tmp_path, monkeypatch, content):
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    monkeypatch.setenv(data.ARCHIVE_ENV, str(path))
    with pytest.raises(data.CorruptArchiveError, match=str(path)):
        data.load_imdb()
    assert_nothing_cached(tmp_path)


def test_a_tar_gz_without_the_reviews_is_a_clear_error(tmp_path, monkeypatch):
    only_train = [r for r in REVIEWS if r[0] == "train"]
    path = write_archive(tmp_path / "other.tar.gz", reviews=only_train)
    monkeypatch.setenv(data.ARCHIVE_ENV, str(path))
    with pytest.raises(data.CorruptArchiveError, match="aclImdb/test/pos"):
        data.load_imdb()
    assert_nothing_cached(tmp_path)


def test_variable_pointing_nowhere_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ARCHIVE_ENV, str(tmp_path / "missing.tar.gz"))
    with pytest.raises(data.DataUnavailableError, match=data.ARCHIVE_ENV):
        data.load_imdb()


def test_no_archive_and_no_network_fails_fast_naming_both_remedies(monkeypatch):
    # a port on this machine that refuses connections stands in for "no network"
    monkeypatch.setattr(data, "ORIGIN", "http://127.0.0.1:9/aclImdb_v1.tar.gz")
    start = time.monotonic()
    with pytest.raises(data.DataUnavailableError) as info:
        data.load_imdb()
    assert time.monotonic() - start < 15
    message = str(info.value)
    assert data.ARCHIVE_ENV in message and str(data.keras_cache_path()) in message
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_a_failed_download_is_the_same_clear_error(monkeypatch):
    def get_file(**kwargs):
        raise Exception("URL fetch failure: 503")  # what keras raises

    fake_keras = types.SimpleNamespace(utils=types.SimpleNamespace(get_file=get_file))
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    monkeypatch.setattr(data, "_can_connect", lambda url: None)
    with pytest.raises(data.DataUnavailableError, match="download .* failed .*503") as info:
        data.load_imdb()
    assert data.ARCHIVE_ENV in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# --- the real archive -------------------------------------------------------------------------

REAL_ARCHIVE = os.environ.get(data.ARCHIVE_ENV)
REAL_CACHE = os.environ.get(cache.CACHE_ENV)


@pytest.mark.skipif(not REAL_ARCHIVE, reason=f"{data.ARCHIVE_ENV} is not set")
def test_the_real_archive(monkeypatch):
    monkeypatch.setenv(data.ARCHIVE_ENV, REAL_ARCHIVE)
    # the user's cache: this test is slow only the first time
    if REAL_CACHE:
        monkeypatch.setenv(cache.CACHE_ENV, REAL_CACHE)
    else:
        monkeypatch.delenv(cache.CACHE_ENV)
    (x_train, y_train), (x_test, y_test) = data.load_imdb(vocab_size=1000, max_len=100)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.shape == (25000, 100) and x.dtype == np.int32
        assert int(y.sum()) == 12500 and len(y) == 25000
        assert 0 <= x.min() and x.max() == 999
        assert (x[:, -1] != 0).all()  # padding is in front
    corpus = data.load_corpus()
    assert corpus.words[:3] == ("the", "and", "a")
    for split, y in ((corpus.train, y_train), (corpus.test, y_test)):
        assert np.array_equal(split.ratings >= 7, y == 1)
        assert set(split.ratings.tolist()) == {1, 2, 3, 4, 7, 8, 9, 10}
    (texts, _), _ = data.load_imdb_texts()
    index = data.get_word_index()
    for i in range(0, 25000, 97):  # the fast corpus tokenizer agrees with tokenize()
        expected = [index.get(w, data.OOV) for w in data.tokenize(texts[i])]
        assert corpus.train.review(i).tolist() == expected
    assert np.array_equal(data.encode_review(texts[:50]), x_train[:50])
