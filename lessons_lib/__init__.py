"""Helpers shared by the chapters of the RNN course book.

One module per idea:

- ``numpy_rnn``: a recurrent layer in numpy; ``bptt``: its backward pass and gradient checks;
  ``gated_cells``: LSTM and GRU cells in numpy; ``memory_task``: a task only memory solves.
- ``data``: the IMDB reviews from the original archive; ``models``, ``training`` and
  ``evaluation``: the four Keras models, their cached training and their comparison;
  ``forecasting``: the temperature series; ``stronger``: the stronger classifier.
- ``plots`` and ``diagrams``: one figure style and the drawings.
- ``exercises``: checks that give students specific feedback; ``setup_cells``,
  ``student_edition``, ``grade`` and ``strip_outputs``: tools for instructors and authors.
"""

__version__ = "0.1.0"
