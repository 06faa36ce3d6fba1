"""The four IMDB sentiment classifiers of the course, written for Keras 3.

Taught in chapter 5, *Four models for one question* (``book/05_four_models``); chapter 6
trains them (``lessons_lib.training``).

Each builder takes ``(vocab_size, output_dim, input_length)`` - the number of word ids, the
size of a word's embedding vector and the length of a padded review - and returns a compiled
model (adam, binary cross-entropy, accuracy) that maps a batch of reviews ``(batch,
input_length)`` of int32 word ids to one probability per review, ``P(positive)``.

``feed_forward``
    Embedding, Flatten, Dense(1, sigmoid).
``simple_rnn``
    Embedding, SimpleRNN(32) returning every step, SimpleRNN(32), Dense(1, sigmoid).
``simple_lstm``
    Embedding, LSTM(32), Dense(32, relu), Dropout(0.2), Dense(1, sigmoid).
``simple_cnn``
    Embedding, Conv1D(32, 7, relu), MaxPooling1D(5), Conv1D(32, 7, relu),
    GlobalMaxPooling1D, Dense(1, sigmoid). The original article ended this model in a
    ``Dense(1)`` without a sigmoid while training it with binary cross-entropy, which expects
    probabilities; Keras then clips the raw scores into ``[eps, 1 - eps]`` and the gradient
    vanishes for every score outside that interval. We add the sigmoid.

``MODELS`` maps each name to its builder and ``build_model(name, ...)`` builds one by name.
``expected_parameter_count(name, ...)`` derives the number of trainable weights by hand, layer
by layer, so that the chapters can check Keras against arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

# The settings of the article: a vocabulary of 1,000 words, 16-dimensional embeddings and
# reviews cut or padded to 100 words.
VOCAB_SIZE = 1000
OUTPUT_DIM = 16
MAX_LEN = 100

RNN_UNITS = 32  # units of each recurrent layer, filters of each convolution, width of the dense
KERNEL_SIZE = 7  # width of each Conv1D window, in words
POOL_SIZE = 5  # MaxPooling1D keeps the largest of every 5 consecutive steps
DROPOUT = 0.2

# The human-readable name of each model, for tables and legends.
TITLES = {
    "feed_forward": "Feed-forward",
    "simple_rnn": "SimpleRNN",
    "simple_lstm": "LSTM",
    "simple_cnn": "Convnet",
}


def _check_sizes(vocab_size: int, output_dim: int, input_length: int) -> None:
    """Raise a ValueError unless the three sizes are positive integers."""
    for what, value in (("vocab_size", vocab_size), ("output_dim", output_dim),
                        ("input_length", input_length)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be a positive int, received {value!r}")


def _inputs_and_embedding(vocab_size: int, output_dim: int,
                          input_length: int) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The first two layers every model shares: int32 word ids, then their embeddings."""
    _check_sizes(vocab_size, output_dim, input_length)
    word_ids = keras.Input(shape=(input_length,), dtype="int32", name="word_ids")
    vectors = layers.Embedding(vocab_size, output_dim, name="embedding")(word_ids)
    return word_ids, vectors


def compile_settings() -> dict[str, object]:
    """How every model of the course is compiled: adam, binary cross-entropy, accuracy."""
    return {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]}


def _compile(inputs: keras.KerasTensor, outputs: keras.KerasTensor, name: str) -> keras.Model:
    """Wrap the graph in a model and compile it the way every model of the course is."""
    model = keras.Model(inputs, outputs, name=name)
    model.compile(**compile_settings())
    return model


def _probability(x: keras.KerasTensor) -> keras.KerasTensor:
    """One sigmoid unit: the probability that the review is positive."""
    return layers.Dense(1, activation="sigmoid", name="p_positive")(x)


def feed_forward(vocab_size: int = VOCAB_SIZE, output_dim: int = OUTPUT_DIM,
                 input_length: int = MAX_LEN) -> keras.Model:
    """Embedding, Flatten and one sigmoid unit: a logistic regression on word positions."""
    word_ids, x = _inputs_and_embedding(vocab_size, output_dim, input_length)
    x = layers.Flatten(name="flatten")(x)
    return _compile(word_ids, _probability(x), "feed_forward")


def simple_rnn(vocab_size: int = VOCAB_SIZE, output_dim: int = OUTPUT_DIM,
               input_length: int = MAX_LEN,
               layer: type[layers.SimpleRNN] = layers.SimpleRNN) -> keras.Model:
    """Two stacked SimpleRNN(32) layers; the second keeps only its last state.

    ``layer`` is the SimpleRNN class to stack: Keras's, or a subclass with the same weights
    (``lessons_lib.fast_recurrent.SimpleRNN``, which training uses for speed).
    """
    word_ids, x = _inputs_and_embedding(vocab_size, output_dim, input_length)
    x = layer(RNN_UNITS, return_sequences=True, name="simple_rnn_1")(x)
    x = layer(RNN_UNITS, name="simple_rnn_2")(x)
    return _compile(word_ids, _probability(x), "simple_rnn")


def simple_lstm(vocab_size: int = VOCAB_SIZE, output_dim: int = OUTPUT_DIM,
                input_length: int = MAX_LEN) -> keras.Model:
    """One LSTM(32), a Dense(32, relu) with Dropout(0.2), then one sigmoid unit."""
    word_ids, x = _inputs_and_embedding(vocab_size, output_dim, input_length)
    x = layers.LSTM(RNN_UNITS, name="lstm")(x)
    x = layers.Dense(RNN_UNITS, activation="relu", name="dense_relu")(x)
    x = layers.Dropout(DROPOUT, name="dropout")(x)
    return _compile(word_ids, _probability(x), "simple_lstm")


def simple_cnn(vocab_size: int = VOCAB_SIZE, output_dim: int = OUTPUT_DIM,
               input_length: int = MAX_LEN) -> keras.Model:
    """Two Conv1D(32, 7) layers with pooling between them, then one sigmoid unit.

    Needs reviews of at least ``minimum_cnn_length()`` (41) words, so that the second
    convolution still finds a full window of 7 pooled steps.
    """
    shortest = minimum_cnn_length()
    if isinstance(input_length, int) and 0 < input_length < shortest:
        raise ValueError(f"simple_cnn needs input_length >= {shortest} (two convolutions of "
                         f"width {KERNEL_SIZE} around a pooling of {POOL_SIZE}), "
                         f"received {input_length}")
    word_ids, x = _inputs_and_embedding(vocab_size, output_dim, input_length)
    x = layers.Conv1D(RNN_UNITS, KERNEL_SIZE, activation="relu", name="conv_1")(x)
    x = layers.MaxPooling1D(POOL_SIZE, name="max_pool")(x)
    x = layers.Conv1D(RNN_UNITS, KERNEL_SIZE, activation="relu", name="conv_2")(x)
    x = layers.GlobalMaxPooling1D(name="global_max_pool")(x)
    return _compile(word_ids, _probability(x), "simple_cnn")


def minimum_cnn_length() -> int:
    """The shortest review ``simple_cnn`` accepts: the second convolution needs 7 steps."""
    # conv_1 leaves L - 6 steps, pooling floor((L - 6) / 5), conv_2 needs at least 7 of those.
    return POOL_SIZE * KERNEL_SIZE + KERNEL_SIZE - 1


MODELS: dict[str, Callable[..., keras.Model]] = {
    "feed_forward": feed_forward,
    "simple_rnn": simple_rnn,
    "simple_lstm": simple_lstm,
    "simple_cnn": simple_cnn,
}


def check_name(name: str) -> str:
    """Return ``name`` if it is one of the four models, else raise a ValueError listing them."""
    if name not in MODELS:
        known = ", ".join(MODELS)
        raise ValueError(f"unknown model name {name!r}; expected one of: {known}")
    return name


def build_model(name: str, vocab_size: int = VOCAB_SIZE, output_dim: int = OUTPUT_DIM,
                input_length: int = MAX_LEN, fast_layers: bool = False) -> keras.Model:
    """Build and compile the model called ``name`` (a key of ``MODELS``).

    ``fast_layers=True`` builds the SimpleRNN model from ``lessons_lib.fast_recurrent``'s
    layer, which has the same weights and trains faster; the other models do not change.
    """
    if fast_layers and check_name(name) == "simple_rnn":
        from lessons_lib.fast_recurrent import SimpleRNN

        return simple_rnn(vocab_size, output_dim, input_length, layer=SimpleRNN)
    return MODELS[check_name(name)](vocab_size, output_dim, input_length)


def dense_params(n_in: int, n_out: int) -> int:
    """Weights of a Dense layer: one weight per input and output, plus one bias per output."""
    return n_in * n_out + n_out


def simple_rnn_params(n_in: int, units: int) -> int:
    """Weights of a SimpleRNN: input kernel W, recurrent kernel U and bias b."""
    return n_in * units + units * units + units


def lstm_params(n_in: int, units: int) -> int:
    """Weights of an LSTM: four SimpleRNN-shaped blocks (input, forget, cell, output gates)."""
    return 4 * simple_rnn_params(n_in, units)


def conv1d_params(n_in: int, filters: int, kernel_size: int) -> int:
    """Weights of a Conv1D: each filter sees ``kernel_size`` steps of ``n_in`` channels."""
    return kernel_size * n_in * filters + filters


def expected_parameter_count(name: str, vocab_size: int = VOCAB_SIZE,
                             output_dim: int = OUTPUT_DIM, input_length: int = MAX_LEN) -> int:
    """The number of weights of model ``name``, derived by hand rather than asked from Keras."""
    check_name(name)
    embedding = vocab_size * output_dim
    units = RNN_UNITS
    if name == "feed_forward":
        return embedding + dense_params(input_length * output_dim, 1)
    if name == "simple_rnn":
        return (embedding + simple_rnn_params(output_dim, units)
                + simple_rnn_params(units, units) + dense_params(units, 1))
    if name == "simple_lstm":
        return (embedding + lstm_params(output_dim, units) + dense_params(units, units)
                + dense_params(units, 1))
    return (embedding + conv1d_params(output_dim, units, KERNEL_SIZE)
            + conv1d_params(units, units, KERNEL_SIZE) + dense_params(units, 1))
