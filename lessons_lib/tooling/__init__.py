"""The course's tooling: what builds, edits, hands out and grades the chapters.

Nothing here is taught, and no chapter imports it. Its dependencies (nbformat, nbclient,
ipykernel, PyYAML, jupyter-cache) are the extra ``lessons_lib[tooling]``.

- ``notebooks``: find chapters, write notebooks atomically, read code cells as Python;
- ``dependencies``: the one import walker - which ``lessons_lib`` files a chapter depends on;
- ``setup_cells``: the Colab setup cell of every chapter (``python -m ...setup_cells``);
- ``strip_outputs``: notebooks committed without outputs (``python -m ...strip_outputs``);
- ``student_edition``: the chapters without solutions (``python -m ...student_edition``);
- ``grade``: run students' notebooks and report every exercise (``python -m ...grade``);
- ``book_cache`` and ``nbval_cache``: the cache of executed chapters that ``make notebooks``
  fills and the book's build renders from.
"""
