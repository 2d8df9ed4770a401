"""The parts of scripts/colab_edition.py, which writes the book's Colab edition.

From the bottom up; each module imports only the ones above it in this list:

- ``syntax``: the MyST and Markdown patterns the edition reads (roles, directives, targets,
  headings, solution fences, images);
- ``bibliography``: references.bib read into works with author-year labels;
- ``labels``: the chapters and every label a {ref}, {numref} or {doc} can name, with the numbers
  the web book gives them;
- ``markdown``: one chapter's MyST Markdown turned into Markdown that Colab renders;
- ``notebook``: one chapter's edition as a notebook: solutions moved to the end and folded,
  figure captions, the setup cell, the badge and the reference list.

scripts/colab_edition.py itself reads the book, writes every chapter and holds the command line.
It puts scripts/ on sys.path, where ``markdown`` and ``notebook`` find set_repository (the badge
and the setup cell) and where this package is found.
"""
