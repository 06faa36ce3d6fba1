"""The IMDB movie reviews, from the original text to the integer arrays the models read.

Taught in chapter 3, *The reviews, from text to numbers* (``book/03_imdb_data``); chapters 4 to
10 load the reviews through it.

The data is the Large Movie Review Dataset (Maas et al., ACL 2011): 25,000 training and 25,000
test reviews, half positive and half negative in each split. It comes as the archive
``aclImdb_v1.tar.gz``; this module reads the reviews straight out of that archive (no unpacking
of 50,000 files), turns them into words and the words into integers, and caches the result.

Where the archive comes from, in this order:

1. the environment variable ``LESSONS_IMDB_ARCHIVE``, the path of a local copy;
2. the Keras cache, ``~/.keras/datasets/aclImdb_v1.tar.gz`` (or under ``$KERAS_HOME``);
3. a download from :data:`ORIGIN` into that cache with ``keras.utils.get_file``.

The tokenizer (:func:`tokenize`) lower-cases a review, removes the HTML line breaks ``<br />``,
reads the typographic apostrophe ``’`` as ``'``, and then keeps the *words*: the longest runs of
letters, digits and apostrophes, with apostrophes at the start or end of a run dropped. So
``"Don't"`` is one word, ``don't``; ``"well-made"`` is two, ``well`` and ``made``; punctuation is
dropped; ``"'Tis"`` becomes ``tis``.

The integer ids follow ``keras.datasets.imdb``, so code written for Keras' copy reads the same:
``0`` pads, ``1`` marks the start of a review, ``2`` stands for any word out of the vocabulary,
``3`` is unused, and a word's id is ``3 + its frequency rank`` in the training reviews (the most
frequent word, ``the``, has rank 1 and id 4). :func:`load_imdb` keeps the ids below
``vocab_size`` and turns the others into ``2``; it pads and truncates at the front, like
``keras.utils.pad_sequences``. Words that never occur in the training reviews have no rank and
are always ``2``.

The tokenized corpus (every review as ids over the full vocabulary) is cached once in the
course's cache folder (``lessons_lib.cache``: ``LESSONS_CACHE_DIR``, by default
``~/.cache/lessons_lib``, written atomically), keyed on the archive's identity and
:data:`TOKENIZER_VERSION`; any ``vocab_size`` and ``max_len`` are derived from it in well under a
second. The raw review texts are cached alongside, for :func:`load_imdb_texts`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import itertools
import os
import re
import socket
import tarfile
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import numpy as np

from lessons_lib.cache import atomic_file, cache_dir

ORIGIN = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
ARCHIVE_NAME = "aclImdb_v1.tar.gz"
ARCHIVE_ENV = "LESSONS_IMDB_ARCHIVE"
# Bump when tokenize() or the cache layout changes: the cached corpus is then rebuilt.
TOKENIZER_VERSION = 1
# Seed of the fixed shuffle of each split (the seed keras.datasets.imdb uses, too).
SHUFFLE_SEED = 113
SPLITS = ("train", "test")

PAD, START, OOV, UNUSED = 0, 1, 2, 3
INDEX_FROM = 3  # a word's id is INDEX_FROM + its frequency rank (ranks start at 1)
SPECIAL_TOKENS = {PAD: "<PAD>", START: "<START>", OOV: "<OOV>", UNUSED: "<UNUSED>"}

_MEMBER = re.compile(r"^(?:\./)?aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
_WORD = re.compile(r"[^\W_]+(?:'+[^\W_]+)*")
_NETWORK_TIMEOUT_S = 5.0


class DataUnavailableError(RuntimeError):
    """Neither a local copy of the IMDB archive nor a download of it is available."""


class CorruptArchiveError(ValueError):
    """The file given as the IMDB archive is truncated, corrupt or not that archive."""


# --- the tokenizer ----------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Split a review into lower-case words, the way the whole corpus is split.

    >>> tokenize("A well-made film.<br /><br />I didn't like it, though!")
    ['a', 'well', 'made', 'film', 'i', "didn't", 'like', 'it', 'though']
    """
    text = text.lower().replace("<br />", " ").replace("\u2019", "'")
    return _WORD.findall(text)


# The fast path used on the 50,000 reviews: byte-level translate and split, which gives the same
# words as tokenize() (the unit tests check this) at a fraction of the cost.
_ASCII_TABLE = bytes(
    c if (chr(c).isalnum() and chr(c).isascii()) or c == ord("'") else ord(" ")
    for c in range(256)
)


class _UnicodeTable(dict):
    """``str.translate`` table: word characters and apostrophes stay, the rest become spaces."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = char if char.isalnum() or char == "'" else " "
        self[code] = value
        return value


_UNICODE_TABLE = _UnicodeTable({0x2019: "'"})


def _raw_tokens(data: bytes) -> list[bytes]:
    """A review's words as UTF-8 bytes, apostrophes at their ends still attached."""
    if data.isascii():
        return data.lower().replace(b"<br />", b" ").translate(_ASCII_TABLE).split()
    text = data.decode("utf-8").lower().replace("<br />", " ")
    return [word.encode("utf-8") for word in text.translate(_UNICODE_TABLE).split()]


# --- where the archive is ---------------------------------------------------------------------


def keras_cache_path() -> Path:
    """Where ``keras.utils.get_file`` puts the downloaded archive (without importing Keras)."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = Path.home()
        home = str(base / ".keras") if os.access(base, os.W_OK) else "/tmp/.keras"
    return Path(home).expanduser() / "datasets" / ARCHIVE_NAME


def archive_path() -> Path:
    """The IMDB archive on disk: ``$LESSONS_IMDB_ARCHIVE``, the Keras cache, or a download."""
    env = os.environ.get(ARCHIVE_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise DataUnavailableError(
                f"{ARCHIVE_ENV} is set to {env!r}, but there is no file there. Point it at a "
                f"copy of {ARCHIVE_NAME}, or unset it to use the Keras cache "
                f"({keras_cache_path()})."
            )
        return path
    cached = keras_cache_path()
    if cached.is_file():
        return cached
    return _download(cached)


def _unavailable(reason: str) -> DataUnavailableError:
    return DataUnavailableError(
        f"The IMDB reviews are not available: {reason}. Either set the environment variable "
        f"{ARCHIVE_ENV} to the path of a local copy of {ARCHIVE_NAME}, or put that file at "
        f"{keras_cache_path()} (where keras.utils.get_file caches it), or connect to the "
        f"internet so that it can be downloaded from {ORIGIN}."
    )


def _can_connect(url: str, timeout: float = _NETWORK_TIMEOUT_S) -> str | None:
    """Try a TCP connection to the host of ``url``; ``None`` if it works, else the reason."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            socket.create_connection((parts.hostname, port), timeout=timeout).close()
            outcome.append(None)
        except OSError as exc:
            outcome.append(f"cannot reach {parts.hostname}:{port} ({exc})")

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(2 * timeout)  # name resolution has no timeout of its own
    return outcome[0] if outcome else f"no answer from {parts.hostname} in {2 * timeout:.0f} s"


def _download(target: Path) -> Path:
    """Download the archive into the Keras cache, or fail fast with both remedies named."""
    reason = _can_connect(ORIGIN)
    if reason is not None:
        raise _unavailable(f"no local copy, and {reason}")
    import keras  # only here: importing Keras takes seconds

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(60)
    try:
        path = keras.utils.get_file(fname=ARCHIVE_NAME, origin=ORIGIN, cache_subdir="datasets")
    except Exception as exc:  # noqa: BLE001 - any failure becomes the one clear error
        raise _unavailable(f"the download from {ORIGIN} failed ({exc})") from None
    finally:
        socket.setdefaulttimeout(previous)
    return Path(path)


# --- reading the archive ----------------------------------------------------------------------


@dataclass
class _Review:
    split: str
    label: int
    review_id: int
    rating: int
    data: bytes


def _tar_files(stream: BinaryIO) -> Iterator[tuple[str, bytes]]:
    """The name and content of each regular file in an uncompressed tar stream.

    A minimal reader of the tar format (ustar and GNU headers, GNU long names, pax ``path``
    records), several times faster than ``tarfile`` on 50,000 small files. It raises
    ``tarfile.ReadError`` for a header that is not a tar header and ``EOFError`` for a stream
    that ends early.
    """
    long_name: str | None = None
    while True:
        header = stream.read(512)
        if len(header) < 512:
            raise EOFError("the archive ends before its end-of-archive marker")
        if header.count(0) == 512:
            return
        try:
            checksum = int(header[148:156].strip(b"\0 ") or b"-1", 8)
            size = int(header[124:136].strip(b"\0 ") or b"0", 8)
        except ValueError:
            checksum, size = -1, 0
        if checksum != sum(header[:148]) + 256 + sum(header[156:]):
            raise tarfile.ReadError("a block that should be a tar header is not one")
        content = stream.read(size)
        if len(content) < size:
            raise EOFError("the archive ends in the middle of a file")
        stream.read(-size % 512)  # files are padded to whole 512-byte blocks
        kind = header[156:157]
        if kind == b"L":  # GNU: the next header's name is too long for it, and given here
            long_name = content.rstrip(b"\0").decode("utf-8")
        elif kind == b"x":  # pax: key=value records for the next header
            match = re.search(rb"\d+ path=([^\n]*)\n", content)
            long_name = match.group(1).decode("utf-8") if match else long_name
        elif kind in (b"0", b"\0", b"7"):
            name = header[:100].rstrip(b"\0").decode("utf-8")
            prefix = header[345:500].rstrip(b"\0") if header[257:262] == b"ustar" else b""
            if long_name is not None:
                name, long_name = long_name, None
            elif prefix:
                name = prefix.decode("utf-8") + "/" + name
            yield name, content
        elif kind != b"g":
            long_name = None  # directories, links: nothing to read


def _iter_reviews(path: Path) -> Iterator[_Review]:
    """Stream the labelled reviews out of the tar.gz archive, in archive order."""
    with gzip.open(path, "rb") as stream:
        for name, content in _tar_files(stream):
            match = _MEMBER.match(name)
            if match is not None:
                split, sentiment, review_id, rating = match.groups()
                yield _Review(split, int(sentiment == "pos"), int(review_id), int(rating),
                              content)


def _read_archive(path: Path) -> dict[str, list[_Review]]:
    """All labelled reviews per split, sorted by (label, id); clear errors for a bad archive."""
    reviews: dict[str, list[_Review]] = {split: [] for split in SPLITS}
    try:
        for review in _iter_reviews(path):
            reviews[review.split].append(review)
    except (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeDecodeError) as exc:
        raise CorruptArchiveError(
            f"{path} is not a complete, readable {ARCHIVE_NAME} ({type(exc).__name__}: {exc}). "
            f"Download it again from {ORIGIN}, or point {ARCHIVE_ENV} at a good copy."
        ) from exc
    for split, items in reviews.items():
        labels = {r.label for r in items}
        if labels != {0, 1}:
            raise CorruptArchiveError(
                f"{path} does not hold the IMDB reviews: expected files "
                f"aclImdb/{split}/pos/<id>_<rating>.txt and aclImdb/{split}/neg/...; found "
                f"{len(items)} review(s) in {split} with labels {sorted(labels)}."
            )
        items.sort(key=lambda r: (r.label, r.review_id))
    return reviews


# --- the tokenized corpus ---------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One split of the corpus, shuffled: every review as word ids over the full vocabulary.

    ``tokens`` holds all reviews' ids back to back; review ``i`` is
    ``tokens[offsets[i]:offsets[i + 1]]``, without the start marker.
    """

    tokens: np.ndarray  # int32, ids 2 (unknown word) or >= 4
    offsets: np.ndarray  # int64, n + 1
    labels: np.ndarray  # int8, 1 = positive
    ratings: np.ndarray  # int8, the reviewer's 1-10 score
    review_ids: np.ndarray  # int32, the <id> of the review's file name

    @property
    def lengths(self) -> np.ndarray:
        """The number of words in each review."""
        return np.diff(self.offsets)

    def review(self, i: int) -> np.ndarray:
        """The word ids of review ``i`` (full vocabulary, no start marker, no padding)."""
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]


@dataclass(frozen=True)
class Corpus:
    """The tokenized IMDB corpus: the vocabulary and both splits."""

    words: tuple[str, ...]  # words[rank - 1] is the word of id INDEX_FROM + rank
    counts: np.ndarray  # int64, how often each word occurs in the training reviews
    train: Split
    test: Split


def _archive_key(path: Path) -> str:
    """A short fingerprint of the archive: its size and a hash of its first and last 64 KiB."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(65536))
        handle.seek(max(0, size - 65536))
        digest.update(handle.read(65536))
    return digest.hexdigest()[:16]


def _cache_files(path: Path) -> tuple[Path, Path]:
    key = _archive_key(path)
    folder = cache_dir()
    return (folder / f"imdb-corpus-t{TOKENIZER_VERSION}-{key}.npz",
            folder / f"imdb-texts-{key}.npz")


def _save_npz(target: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``target`` atomically, so no half-written cache is ever read."""
    with atomic_file(target) as handle:
        np.savez(handle, **arrays)


def _tokenize_split(items: list[_Review]) -> tuple[list[bytes], np.ndarray]:
    """The raw tokens of every review, back to back, and the offsets of each review."""
    flat: list[bytes] = []
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    for i, review in enumerate(items):
        flat.extend(_raw_tokens(review.data))
        offsets[i + 1] = len(flat)
    return flat, offsets


def _provisional_ids(reviews: dict[str, list[_Review]]) -> tuple[dict, dict, dict]:
    """Number the distinct raw tokens in order of first appearance, in one C-level pass.

    Returns the numbering (raw token -> number), and per split the reviews' numbers back to
    back and their offsets. Each split's token list is dropped as soon as it is numbered.
    """
    numbering: defaultdict[bytes, int] = defaultdict(itertools.count().__next__)
    ids, offsets = {}, {}
    for split in SPLITS:
        flat, offsets[split] = _tokenize_split(reviews[split])
        ids[split] = np.fromiter(map(numbering.__getitem__, flat), dtype=np.int32,
                                 count=len(flat))
        del flat
    return numbering, ids, offsets


def _vocabulary(numbering: dict[bytes, int], train_ids: np.ndarray) -> tuple:
    """The words by falling training frequency (ties alphabetical), their counts, and the map
    from provisional token number to final id (-1 for tokens that were only apostrophes)."""
    raw_counts = np.bincount(train_ids, minlength=len(numbering))
    counts: dict[bytes, int] = {}
    for token, number in numbering.items():
        word = token.strip(b"'")
        if word:
            counts[word] = counts.get(word, 0) + int(raw_counts[number])
    words = sorted((w for w, n in counts.items() if n > 0), key=lambda w: (-counts[w], w))
    word_id = {w: INDEX_FROM + rank for rank, w in enumerate(words, start=1)}
    remap = np.empty(len(numbering), dtype=np.int32)
    for token, number in numbering.items():
        word = token.strip(b"'")
        remap[number] = word_id.get(word, OOV) if word else -1
    return words, np.array([counts[w] for w in words], dtype=np.int64), remap


def _drop_empty(ids: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove the ids -1 (tokens that were only apostrophes) and fix up the offsets."""
    keep = ids >= 0
    if keep.all():
        return ids, offsets
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    return ids[keep], kept_before[offsets]


def _build_corpus(path: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Read and tokenize the archive: the arrays of the corpus cache and of the texts cache."""
    reviews = _read_archive(path)
    corpus: dict[str, np.ndarray] = {}
    texts: dict[str, np.ndarray] = {}
    numbering, provisional, raw_offsets = _provisional_ids(reviews)
    words, counts, remap = _vocabulary(numbering, provisional["train"])
    del numbering
    corpus["words"] = np.frombuffer(b"\n".join(words), dtype=np.uint8)
    corpus["counts"] = counts
    for split in SPLITS:
        items = reviews[split]
        order = np.random.default_rng(SHUFFLE_SEED).permutation(len(items))
        ids, offsets = _drop_empty(remap[provisional[split]], raw_offsets[split])
        lengths = np.diff(offsets)[order]
        starts = offsets[:-1][order]
        corpus[f"{split}_tokens"] = _gather(ids, starts, lengths)
        corpus[f"{split}_offsets"] = np.concatenate([[0], np.cumsum(lengths)])
        corpus[f"{split}_labels"] = np.array([items[i].label for i in order], dtype=np.int8)
        corpus[f"{split}_ratings"] = np.array([items[i].rating for i in order], dtype=np.int8)
        corpus[f"{split}_review_ids"] = np.array([items[i].review_id for i in order],
                                                 dtype=np.int32)
        data = [items[i].data for i in order]
        texts[f"{split}_text"] = np.frombuffer(b"".join(data), dtype=np.uint8)
        texts[f"{split}_text_offsets"] = np.concatenate([[0], np.cumsum([len(d) for d in data])])
        texts[f"{split}_labels"] = corpus[f"{split}_labels"]
    return corpus, texts


def _gather(ids: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenate the segments ``ids[s:s + n]`` for each start ``s`` and length ``n``."""
    total = int(lengths.sum())
    new_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    index = np.arange(total) - np.repeat(new_starts - starts, lengths)
    return ids[index]


def _load_cached(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path) as npz:
            return {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, zlib.error):
        return None  # missing or unreadable: rebuild


def _corpus_arrays(archive: Path) -> tuple[dict[str, np.ndarray], Path]:
    """The cached corpus arrays, building (and caching) them from the archive if needed."""
    corpus_file, texts_file = _cache_files(archive)
    arrays = _load_cached(corpus_file)
    if arrays is None:
        arrays, texts = _build_corpus(archive)
        _save_npz(texts_file, texts)
        _save_npz(corpus_file, arrays)
    return arrays, texts_file


@functools.lru_cache(maxsize=2)
def _corpus_for(archive: str, key: str) -> Corpus:
    arrays, _ = _corpus_arrays(Path(archive))
    words = tuple(bytes(arrays["words"]).decode("utf-8").split("\n"))

    def split(name: str) -> Split:
        return Split(*(arrays[f"{name}_{field}"]
                       for field in ("tokens", "offsets", "labels", "ratings", "review_ids")))

    return Corpus(words, arrays["counts"], split("train"), split("test"))


def load_corpus() -> Corpus:
    """The tokenized corpus: vocabulary, word counts, and every review as ids (cached)."""
    archive = archive_path()
    return _corpus_for(str(archive.resolve()), _archive_key(archive))


# --- the public loaders -----------------------------------------------------------------------


def _check_sizes(vocab_size: int, max_len: int) -> None:
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int | np.integer) \
            or vocab_size < 4:
        raise ValueError(f"vocab_size must be an integer >= 4 (ids 0-3 are reserved), "
                         f"got {vocab_size!r}")
    if isinstance(max_len, bool) or not isinstance(max_len, int | np.integer) or max_len < 1:
        raise ValueError(f"max_len must be an integer >= 1, got {max_len!r}")


def pad_reviews(tokens: np.ndarray, offsets: np.ndarray, vocab_size: int,
                max_len: int) -> np.ndarray:
    """Reviews (ids back to back, split at ``offsets``) as an ``(n, max_len)`` int32 array.

    Each review gets the start marker 1 in front; ids ``>= vocab_size`` become 2; a review
    longer than ``max_len`` loses its beginning, a shorter one gets zeros in front (the
    defaults of ``keras.utils.pad_sequences``).
    """
    _check_sizes(vocab_size, max_len)
    kind = np.int32 if int(offsets[-1]) + max_len < 2**31 else np.int64
    starts, ends = offsets[:-1].astype(kind), offsets[1:].astype(kind)
    # column j of row i reads the token at ends[i] - max_len + j, if the review reaches back
    # that far; one step before the review's start is the start marker, before that padding
    index = ends[:, None] + np.arange(-max_len, 0, dtype=kind)[None, :]
    if len(tokens):
        out = np.take(tokens, index, mode="clip").astype(np.int32, copy=False)
    else:
        out = np.zeros(index.shape, dtype=np.int32)
    index -= starts[:, None]  # now the position within the review
    out[index < 0] = PAD
    out[index == -1] = START
    out[out >= vocab_size] = OOV
    return out


def load_imdb(vocab_size: int = 1000, max_len: int = 100) -> tuple[
        tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The IMDB reviews as ``(x_train, y_train), (x_test, y_test)``.

    ``x`` is an int32 array of shape ``(25000, max_len)`` of word ids (see the module
    docstring for the conventions), ``y`` an int32 array of 0 (negative) and 1 (positive).
    The order is a fixed shuffle. The first call reads the archive (seconds); later calls read
    the cache (well under a second), for any ``vocab_size`` and ``max_len``.
    """
    _check_sizes(vocab_size, max_len)
    corpus = load_corpus()
    return tuple(
        (pad_reviews(s.tokens, s.offsets, int(vocab_size), int(max_len)),
         s.labels.astype(np.int32))
        for s in (corpus.train, corpus.test)
    )


def load_imdb_texts() -> tuple[tuple[list[str], np.ndarray], tuple[list[str], np.ndarray]]:
    """The original reviews as ``(texts_train, y_train), (texts_test, y_test)``.

    The texts are the files' contents, unchanged (``<br />`` included), in the same order as
    the rows of :func:`load_imdb`; the labels are int32 0/1.
    """
    archive = archive_path()
    _corpus_for(str(archive.resolve()), _archive_key(archive))  # makes sure the caches exist
    _, texts_file = _cache_files(archive)
    arrays = _load_cached(texts_file)
    if arrays is None:  # the texts cache went missing: rebuild both
        _, arrays = _build_corpus(archive)
        _save_npz(texts_file, arrays)
    result = []
    for split in SPLITS:
        blob = arrays[f"{split}_text"].tobytes()
        bounds = arrays[f"{split}_text_offsets"]
        texts = [blob[a:b].decode("utf-8") for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        result.append((texts, arrays[f"{split}_labels"].astype(np.int32)))
    return tuple(result)


def get_word_index() -> dict[str, int]:
    """Each word of the training reviews and its id in the arrays (``3 + frequency rank``).

    Unlike ``keras.datasets.imdb.get_word_index``, which gives the rank, this gives the id that
    appears in :func:`load_imdb`'s arrays: ``get_word_index()["the"] == 4``.
    """
    words = load_corpus().words
    return {word: INDEX_FROM + rank for rank, word in enumerate(words, start=1)}


def decode_review(ids: Sequence[int] | np.ndarray, skip_padding: bool = True) -> str:
    """Turn word ids back into text: words separated by spaces, special ids as ``<START>`` etc.

    Padding (0) is left out unless ``skip_padding`` is false.
    """
    words = load_corpus().words
    out = []
    for i in np.asarray(ids, dtype=np.int64).ravel():
        if i == PAD and skip_padding:
            continue
        if i in SPECIAL_TOKENS:
            out.append(SPECIAL_TOKENS[int(i)])
        elif INDEX_FROM < i <= INDEX_FROM + len(words):
            out.append(words[i - INDEX_FROM - 1])
        else:
            raise ValueError(f"id {i} is not a word id: expected 0-{INDEX_FROM + len(words)}")
    return " ".join(out)


def encode_review(text: str | Sequence[str], vocab_size: int = 1000,
                  max_len: int = 100) -> np.ndarray:
    """A review you write, as the ids :func:`load_imdb` would give it.

    One string gives an array of shape ``(max_len,)``; a list of strings gives
    ``(len(text), max_len)``, ready for ``model.predict``.
    """
    _check_sizes(vocab_size, max_len)
    single = isinstance(text, str)
    texts = [text] if single else list(text)
    index = get_word_index()
    seqs = [[index.get(w, OOV) for w in tokenize(t)] for t in texts]
    tokens = np.array([i for s in seqs for i in s], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
    out = pad_reviews(tokens, offsets, int(vocab_size), int(max_len))
    return out[0] if single else out
