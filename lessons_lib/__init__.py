"""Helpers shared by the chapters of the RNN course book, and the course's tooling.

What the chapters teach, one flat module per idea, in the order the book meets them (each
module's docstring names the chapter that teaches it):

- ``numpy_rnn`` (chapters 1-2): a recurrent layer in numpy;
- ``data`` (chapter 3): the IMDB reviews from the original archive;
- ``models`` (chapter 5): the four Keras models; ``diagrams``: the drawings of chapters 1 and 5;
- ``training`` and ``evaluation`` (chapter 6): cached training and fair comparisons;
  ``fast_recurrent``: the SimpleRNN layer training uses, with its backward pass written out;
- ``bptt`` (chapter 7): backpropagation through time; ``memory_task`` (chapters 7-8);
- ``gated_cells`` (chapter 8): LSTM and GRU in numpy;
- ``forecasting`` (chapter 9); ``stronger`` (chapter 10);
- ``dates``, ``decoding`` and ``seq2seq`` (chapter 12): a task with exact answers, one decoder
  step in numpy (softmax, attention, beam step), encoder-decoders with and without attention;
- ``plots``: one figure style; ``glue``: computed values for the prose; ``cache``: the one
  cache folder, atomic writer and model file.

The exercises' checks: ``exercises`` (the framework: ``check``, ``run_check``) with one module
per chapter, ``exercises.ch01_recurrence`` to ``exercises.ch12_seq2seq_attention``.

The course's tooling, kept apart in ``lessons_lib.tooling`` (its dependencies are the extra
``lessons_lib[tooling]``): notebooks and the import walker, the Colab setup cells, the student
edition, the grader, output stripping and the book's execution cache. Chapters never import it.
"""

__version__ = "0.1.0"
