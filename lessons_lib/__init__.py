"""Helpers shared by the chapters of the RNN course book.

One module per idea: ``numpy_rnn`` (a recurrent layer in numpy), ``data`` (the IMDB reviews),
``models`` and ``training`` (the Keras models and their cached training), ``plots`` (one figure
style) and ``exercises`` (checks that give students specific feedback).
"""

__version__ = "0.1.0"
