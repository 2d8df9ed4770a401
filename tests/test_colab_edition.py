"""The Colab edition (scripts/colab_edition.py, scripts/myst_to_colab/): Markdown that Colab renders, and it runs.

The edition is generated into a temporary folder from the chapters as they are now. The MyST
check is also run on the untransformed chapters, where it must find the markup.
"""

import collections
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import colab_edition  # noqa: E402
import set_repository  # noqa: E402
from myst_to_colab.bibliography import Bibliography  # noqa: E402
from myst_to_colab.labels import chapter_number, numbered  # noqa: E402

SOURCES = sorted((ROOT / "book").glob("*.ipynb"))
URL, TAG = set_repository.repository()
# The cheapest chapter with exercises, solutions and citations: run under nbval (about 30 s).
RUN_UNDER_NBVAL = "08_faq.ipynb"

# What Colab would show as raw text: roles, directives, colon fences, targets.
MYST = [
    ("a role", re.compile(r"\{(cite|ref|numref|term|doc|eq|download|abbr)(:[a-z]+)?\}`")),
    ("a directive", re.compile(r"(`{3,}|:{3,})\{[a-z]")),
    ("an exercise", re.compile(r"\{exercise\}")),
    ("a solution fence", re.compile(r"\{solution-(start|end)\}")),
    ("a colon fence", re.compile(r"^\s*:::", re.MULTILINE)),
    ("a directive option", re.compile(r"^:(label|class|name):", re.MULTILINE)),
    ("a target", re.compile(r"^\([A-Za-z0-9_.:-]+\)=\s*$", re.MULTILINE)),
]


def myst_leftovers(notebook: dict) -> list[str]:
    """Every piece of MyST syntax in the notebook's cells, as "what: the line"."""
    found = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        for what, pattern in MYST:
            for match in pattern.finditer(source):
                line = source[source.rfind("\n", 0, match.start()) + 1 :].split("\n", 1)[0]
                found.append(f"{cell.get('id')}: {what}: {line[:100]}")
    return found


def markdown(notebook: dict) -> list[tuple[int, str]]:
    return [(i, "".join(c["source"])) for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "markdown"]


def load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("colab") / "book"
    written = colab_edition.write_edition(ROOT / "book", out)
    return {path.name: load(path) for path in written}


@pytest.fixture(scope="module")
def bibliography():
    return Bibliography(ROOT / "book" / "references.bib")


def test_every_chapter_has_an_edition(edition):
    assert sorted(edition) == [path.name for path in SOURCES]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_myst_syntax_is_left(edition, path):
    leftovers = myst_leftovers(edition[path.name])
    assert not leftovers, "\n".join(leftovers)


def test_the_myst_check_finds_the_markup_of_the_chapters_as_written():
    # The same check on the untransformed chapters: every chapter with exercises fails it.
    with_exercises = [p for p in SOURCES if "{exercise}" in p.read_text()]
    assert len(with_exercises) >= 7
    for path in with_exercises:
        kinds = {line.split(": ")[1] for line in myst_leftovers(load(path))}
        assert {"an exercise", "a solution fence", "a colon fence", "a directive option"} <= kinds, path.name
    for source in (
        "{cite}`x`",
        "{ref}`x`",
        "{numref}`x`",
        "{term}`GAN`",
        "```{note}",
        ":::{tip}",
        "(label)=",
        "{solution-end}",
        ":label: x",
    ):
        cell = {"cell_type": "markdown", "id": "c", "metadata": {}, "source": [source]}
        assert myst_leftovers({"cells": [cell]}), source


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_citations_become_author_year_with_a_reference_list(edition, bibliography, path):
    keys = []
    for match in re.finditer(r"\{cite(?::[a-z]+)?\}`([^`]+)`", path.read_text()):
        keys += [k.strip() for k in match.group(1).split(",") if k.strip() not in keys]
    cells = markdown(edition[path.name])
    text = "\n".join(source for _, source in cells)
    references = [source for _, source in cells if source.startswith("## References")]
    if not keys:
        assert not references
        return
    assert len(references) == 1 and cells[-1][1] == references[0], "References is not the last cell"
    entries = [line for line in references[0].splitlines() if line.startswith("- ")]
    assert len(entries) == len(set(keys)), (entries, keys)
    for key in set(keys):
        work = bibliography.works[key]
        surname, year = work.label.rsplit(", ", 1)
        assert work.label in text or f"{surname} ({year})" in text, f"{key} is not cited as {work.label}"
        assert any(work.title in entry and f"({work.year})" in entry for entry in entries), key


def test_a_known_citation_reads_as_author_and_year(edition):
    text = "\n".join(source for _, source in markdown(edition["04_instability.ipynb"]))
    assert "(Mescheder et al., 2018)" in text
    assert "Lars Mescheder, Andreas Geiger and Sebastian Nowozin (2018)" in text


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_exercises_are_numbered_per_chapter_and_solutions_follow_them_folded(edition, path):
    notebook = edition[path.name]
    chapter = chapter_number(path)
    written = len(re.findall(r":::\{exercise\}", path.read_text()))
    solved = len(re.findall(r"\{solution-start\}", path.read_text()))
    bold = re.compile(r"^\*\*Exercise (\S+)\*\*", re.MULTILINE)
    exercises = [(i, m.group(1)) for i, s in markdown(notebook) for m in bold.finditer(s)]
    assert [number for _, number in exercises] == [numbered(chapter, k) for k in range(1, written + 1)]
    if chapter:
        assert all(number.startswith(f"{chapter}.") for _, number in exercises)
    headings = [(i, notebook["cells"][i]) for i, s in markdown(notebook) if s.startswith("### Solution to Exercise ")]
    assert len(headings) == solved
    if not solved:
        assert notebook["metadata"]["colab"]["collapsed_sections"] == []
        return
    (solutions,) = [i for i, s in markdown(notebook) if s.startswith("## Solutions")]
    assert max(i for i, _ in exercises) < solutions < min(i for i, _ in headings)
    # Every solution heading is a section that Colab opens folded.
    ids = [cell["metadata"]["id"] for _, cell in headings]
    assert notebook["metadata"]["colab"]["collapsed_sections"] == ids
    # No heading inside a solution may end its section early.
    after = [s for i, s in markdown(notebook) if i > solutions]
    assert all(not re.match(r"#{1,3} ", s) or s.startswith(("### Solution to", "## References")) for s in after)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_code_is_lost_or_changed_but_the_setup_cell(edition, path):
    source_code = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    edition_code = [c for c in edition[path.name]["cells"] if c["cell_type"] == "code"]
    assert collections.Counter("".join(c["source"]) for c in source_code[1:]) == collections.Counter(
        "".join(c["source"]) for c in edition_code[1:]
    )
    # remove-input cells keep their code, and the setup cell (remove-cell in the web book) is there.
    assert edition_code[0]["id"] == source_code[0]["id"] and edition[path.name]["cells"][1] is not None


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_badge_is_absolute_and_opens_this_edition(edition, path):
    cells = edition[path.name]["cells"]
    first = "".join(cells[0]["source"])
    assert set_repository.badge_markdown(URL, path.name, image=set_repository.BADGE_IMAGE) in first
    assert "](https://colab.research.google.com/assets/colab-badge.svg)" in first
    for _, source in markdown(edition[path.name]):
        assert not re.search(r"!\[[^\]]*\]\((?!https?:)", source), "a relative image"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_setup_cell_clones_the_release(edition, path):
    setup = edition[path.name]["cells"][1]
    assert setup["cell_type"] == "code"
    source = "".join(setup["source"])
    assert source == set_repository.edition_setup_source(URL, TAG)
    assert f'"--branch", "{TAG}"' in source and f'"{URL}"' in source and '"-e"' in source
    assert 'if "google.colab" in sys.modules:' in source


def test_the_workflow_publishes_the_edition_where_the_badges_point():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    (publish,) = [s for s in steps if "actions-gh-pages" in s.get("uses", "")]
    assert publish["with"]["publish_branch"] == set_repository.EDITION_BRANCH
    out = colab_edition.DEFAULT_OUT.relative_to(ROOT)
    assert publish["with"]["publish_dir"] == str(out.parent) and out.name == "book"
    assert workflow["jobs"]["build"]["permissions"]["contents"] == "write"
    # `make book`, which the workflow runs, writes the edition there.
    book = re.search(r"^book:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    assert "scripts/colab_edition.py" in book
    assert f"/blob/{set_repository.EDITION_BRANCH}/book/" in set_repository.badge_markdown(URL, "x.ipynb")


def write_notebook(path: pathlib.Path, sources: list[str]) -> None:
    """A notebook of these cells: code where a cell starts with "import" or "print"."""
    cells = []
    for index, source in enumerate(sources):
        cell = {"cell_type": "markdown", "id": f"c{index}", "metadata": {}, "source": source.splitlines(keepends=True)}
        if source.startswith(("import", "print")):
            cell.update(cell_type="code", outputs=[], execution_count=None)
        cells.append(cell)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_admonitions_references_terms_and_targets_on_a_small_book(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "references.bib").write_text(
        "@article{a2020, title={First}, author={Doe, Jane and Roe, Rick}, journal={J}, year={2020}}\n"
        '@article{b2021, title={Second}, author={M{\\"u}ller, Ann and Roe, Rick and Poe, Pat},\n'
        "  journal={J}, year={2021}}\n"
    )
    setup = 'import sys\n\nif "google.colab" in sys.modules:\n    pass'

    def badge(name):
        link = f"https://colab.research.google.com/github/o/r/blob/v1/book/{name}.ipynb"
        return f"[![Open In Colab](images/colab-badge.svg)]({link})"

    write_notebook(
        book / "01_one.ipynb",
        [
            f"# One\n\n{badge('01_one')}",
            setup,
            "(sec-a)=\n## Part A\n\n{cite:t}`a2020` and {cite:p}`a2020,b2021`; "
            "a {term}`GAN` and {term}`two GANs <GAN>`.\n\n"
            "```{note}\nMind {ref}`sec-a`.\n```\n\n:::{warning} Careful\nText.\n:::\n\n![a plot](images/plot.png)",
            ":::{exercise}\n:label: one-ex\n\nDo it, see {numref}`one-ex` and {ref}`two-ex`.\n:::\n\n"
            "```{solution-start} one-ex\n:class: dropdown\n```\n\nDone.",
            "print(1)",
            "```{solution-end}\n```",
        ],
    )
    write_notebook(
        book / "02_two.ipynb",
        [f"# Two\n\n{badge('02_two')}", setup, ":::{exercise}\n:label: two-ex\n\nMore, after {ref}`sec-a`.\n:::"],
    )
    write_notebook(
        book / "appendix_b.ipynb",
        [f"# Back\n\n{badge('appendix_b')}", setup, ":::{exercise}\n:label: b-ex\n\nAfter {ref}`two-ex`.\n:::"],
    )
    out = tmp_path / "out"
    colab_edition.write_edition(book, out, url="https://github.com/o/r", tag="v1")
    one, two, back = (load(out / name) for name in ("01_one.ipynb", "02_two.ipynb", "appendix_b.ipynb"))
    assert not myst_leftovers(one) and not myst_leftovers(two) and not myst_leftovers(back)
    text = "\n\n".join(s for _, s in markdown(one))
    assert "Doe and Roe (2020) and (Doe and Roe, 2020; Müller et al., 2021)" in text
    assert "a GAN and two GANs." in text
    assert "> **Note**\n>\n> Mind the section “Part A”." in text
    assert "> **Careful**\n>\n> Text." in text
    assert "![a plot](https://raw.githubusercontent.com/o/r/v1/book/images/plot.png)" in text
    assert "**Exercise 1.1**\n\nDo it, see Exercise 1.1 and Exercise 2.1 of [chapter 2](" in text
    assert text.index("## Solutions") < text.index("### Solution to Exercise 1.1") < text.index("Done.")
    assert [c["source"] for c in one["cells"] if c["cell_type"] == "code"][1] == ["print(1)"]
    assert "- Jane Doe and Rick Roe (2020). First. *J*." in text
    edition = "https://colab.research.google.com/github/o/r/blob/colab/book"
    assert f"the section “Part A” of [chapter 1]({edition}/01_one.ipynb)" in "".join(two["cells"][2]["source"])
    assert two["metadata"]["colab"]["collapsed_sections"] == []
    # The back matter is not numbered, in the web book or here.
    assert "".join(back["cells"][2]["source"]).startswith("**Exercise 1**\n\nAfter Exercise 2.1 of [chapter 2](")


@pytest.mark.slow
def test_a_generated_chapter_runs_under_nbval(tmp_path):
    out = tmp_path / "book"
    colab_edition.write_edition(ROOT / "book", out)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "--nbval-lax", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, str(out / RUN_UNDER_NBVAL)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    cells = load(out / RUN_UNDER_NBVAL)["cells"]
    code = sum(c["cell_type"] == "code" for c in cells)
    assert re.search(rf"\b{code} passed\b", result.stdout), result.stdout[-500:]
