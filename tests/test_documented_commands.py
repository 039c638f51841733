"""Every benchmark command the documentation gives runs: ``python -m benchmarks.<tool> --help`` and
``python -m benchmarks.runner studies/<name> --help``, from the repository root, without PYTHONPATH,
answer at once and name the tool, or the study's stages.

The list comes from the documentation itself (README.md, docs/**/*.md, the study folders' notes, the
tools' and stage files' usage lines), so a newly documented command is covered without editing this
file. The tools run one way only, as modules: no documentation gives ``python benchmarks/<name>.py``.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent
COMMAND = re.compile(r"python3? -m benchmarks\.(\w+)(?: +(studies/\w+))?")
FILE_FORM = re.compile(r"python3? benchmarks/\w+\.py")
# What makes an import take seconds; ``--help`` must not load them (they belong inside functions).
HEAVY = ("jax", "torch")


def documentation() -> list[pathlib.Path]:
    """README.md, the docs pages, the study folders' notes (not the tables: their first line records the
    command that wrote them, at the time), the tools and the stage files."""
    notes = [path for path in sorted(ROOT.glob("studies/**/*.md")) if path.name != "table.md"]
    files = [ROOT / "README.md", *sorted(ROOT.glob("docs/**/*.md")), *notes, *sorted(ROOT.glob("benchmarks/*.py")),
             *sorted(ROOT.glob("studies/*/stages.py"))]
    return [path for path in files if path.is_file() and "_build" not in path.parts]


def documented_commands() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Tool name -> where the documentation runs it, and study folder -> where it runs the study
    (``file:line``), README first."""
    tools: dict[str, list[str]] = {}
    studies: dict[str, list[str]] = {}
    for path in documentation():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in COMMAND.finditer(line):
                where = f"{path.relative_to(ROOT)}:{number}"
                tools.setdefault(match[1], []).append(where)
                if match[1] == "runner" and match[2]:
                    studies.setdefault(match[2], []).append(where)
    return tools, studies


TOOLS, STUDIES = documented_commands()


def test_the_documentation_gives_benchmark_commands():
    assert {"overhead", "runner"} <= TOOLS.keys(), sorted(TOOLS)
    assert {"studies/replicate", "studies/minatar"} <= STUDIES.keys(), sorted(STUDIES)


def test_every_study_folder_is_documented():
    folders = {f"studies/{path.parent.name}" for path in ROOT.glob("studies/*/stages.py")}
    assert not folders - STUDIES.keys(), f"study folders no documentation runs: {sorted(folders - STUDIES.keys())}"


def test_the_documentation_runs_each_tool_one_way():
    """As a module from the repository root; the file form (``python benchmarks/<name>.py``) is gone."""
    found = [f"{path.relative_to(ROOT)}:{number}" for path in documentation()
             for number, line in enumerate(path.read_text().splitlines(), 1) if FILE_FORM.search(line)]
    assert not found, f"the file form of a benchmark command at {', '.join(found)}; write python -m benchmarks.<name>"


def _help(arguments: list[str]) -> tuple[str, list[str]]:
    """Run ``python -m <arguments> --help`` from the repository root as a user types it: its output, and
    the heavy modules it imported."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", *arguments, "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    command = f"python -m {' '.join(arguments)} --help"
    errors = "\n".join(line for line in result.stderr.splitlines() if not line.startswith("import time:"))
    assert result.returncode == 0, f"{command} exited with {result.returncode}:\n{errors[-3000:]}"
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(imported & set(HEAVY))
    assert not heavy, f"{command} imports {heavy} at module level; import them inside the functions that use them"
    return result.stdout, heavy


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_documented_tool_answers_help(name):
    assert (ROOT / "benchmarks" / f"{name}.py").is_file(), (
        f"the documentation runs benchmarks.{name}, which does not exist; documented at {', '.join(TOOLS[name])}")
    output, _ = _help([f"benchmarks.{name}"])
    assert re.search(rf"^usage: .*\b{name}\b", output, re.MULTILINE), (
        f"python -m benchmarks.{name} --help printed:\n{output}")


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_documented_study_answers_help_with_its_stages(study):
    assert (ROOT / study / "stages.py").is_file(), (
        f"the documentation runs {study}, which holds no stages.py; documented at {', '.join(STUDIES[study])}")
    output, _ = _help(["benchmarks.runner", study])
    from benchmarks.runner import load_study

    for stage in load_study(ROOT / study).STAGES:
        assert stage in output, f"python -m benchmarks.runner {study} --help does not name the stage {stage}"
