"""The GitHub Actions workflows cannot run here: check their schema and that they match the Makefile."""

import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def run_commands(path: pathlib.Path) -> list[str]:
    workflow = yaml.safe_load(path.read_text())
    return [step["run"].strip() for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def test_workflows_match_the_github_schema():
    # The schema ships inside check-jsonschema, so this needs no network.
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("name", "command"), [("test.yml", "make test"), ("book.yml", "make book")])
def test_workflows_run_the_makefile_targets(name, command):
    assert run_commands(WORKFLOWS / name) == [command]
    target = command.split()[1]
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.MULTILINE), f"no {target} target"


def test_ci_script_runs_the_same_command_as_the_test_workflow():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_book_workflow_publishes_the_built_html():
    workflow = yaml.safe_load((WORKFLOWS / "book.yml").read_text())
    uploads = [s for s in workflow["jobs"]["build"]["steps"] if "upload-pages-artifact" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"


def test_book_is_published_from_release_tags():
    workflow = yaml.safe_load((WORKFLOWS / "book.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key "on" as True
    assert triggers["push"] == {"tags": ["v*"]}
