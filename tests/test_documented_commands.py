"""Every benchmark command the documentation gives runs (issue 27): ``--help`` of each documented entry
point, both as ``python -m benchmarks.<name>`` and as ``python benchmarks/<name>.py``, from the repository
root, without PYTHONPATH, answers at once and names the script.

The list comes from the documentation itself (README.md, docs/**/*.md and the benchmarks' own usage
lines), so a newly documented command is covered without editing this file.
"""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent
COMMAND = re.compile(r"python3? (?:-m benchmarks\.(\w+)|benchmarks/(\w+)\.py)\b")
# What makes an import take seconds; ``--help`` must not load them (they belong inside functions).
HEAVY = ("jax", "torch")


def documented_commands() -> dict[str, list[str]]:
    """Entry-point name -> where the documentation runs it (``file:line``), README first."""
    files = [ROOT / "README.md", *sorted(ROOT.glob("docs/**/*.md")), *sorted(ROOT.glob("benchmarks/*.py"))]
    found: dict[str, list[str]] = {}
    for path in files:
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in COMMAND.finditer(line):
                found.setdefault(match[1] or match[2], []).append(f"{path.relative_to(ROOT)}:{number}")
    return found


DOCUMENTED = documented_commands()


def test_the_documentation_gives_benchmark_commands():
    assert DOCUMENTED, "no `python -m benchmarks.<name>` or `python benchmarks/<name>.py` found in the docs"
    assert {"overhead", "replicate"} <= DOCUMENTED.keys(), sorted(DOCUMENTED)


@pytest.mark.parametrize("form", ["module", "file"])
@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_documented_entry_point_answers_help(name, form):
    script = ROOT / "benchmarks" / f"{name}.py"
    assert script.is_file(), (f"the documentation runs benchmarks/{name}.py, which does not exist; "
                              f"documented at {', '.join(DOCUMENTED[name])}")
    target = ["-m", f"benchmarks.{name}"] if form == "module" else [f"benchmarks/{name}.py"]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # as a user types it
    result = subprocess.run([sys.executable, "-X", "importtime", *target, "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    command = f"python {' '.join(target)} --help"
    errors = "\n".join(line for line in result.stderr.splitlines() if not line.startswith("import time:"))
    assert result.returncode == 0, f"{command} exited with {result.returncode}:\n{errors[-3000:]}"
    assert re.search(rf"^usage: .*\b{name}\b", result.stdout, re.MULTILINE), f"{command} printed:\n{result.stdout}"
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(imported & set(HEAVY))
    assert not heavy, f"{command} imports {heavy} at module level; import them inside the functions that use them"


def test_no_benchmark_module_hides_an_installed_package():
    """``python benchmarks/<name>.py`` puts benchmarks/ on sys.path: a benchmarks/mujoco.py would hide
    the ``mujoco`` package (issue 27). Scripts also guard against it, but no name may clash."""
    clashes = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        name = path.stem
        if name == "__init__":
            continue
        spec = importlib.util.find_spec(name) if name not in sys.modules else sys.modules[name].__spec__
        if name in sys.stdlib_module_names or (spec is not None and pathlib.Path(spec.origin or "").parent != path.parent):
            clashes.append(name)
    assert not clashes, f"benchmarks/ modules named like importable packages: {clashes}; rename them (e.g. <name>_study)"
