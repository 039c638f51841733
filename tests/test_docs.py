"""The documentation a user of the repository can read: no reference to files outside it, and the
README's first command works."""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent


def user_facing_files() -> list[pathlib.Path]:
    files = [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("benchmarks/*.py"),
             *ROOT.glob("sbx_eaudeqn/*.py"), *ROOT.glob("studies/**/*.md"), *ROOT.glob("studies/*/stages.py")]
    return [path for path in files if path.is_file()]


def test_no_reference_to_the_shared_design_file():
    for path in user_facing_files():
        assert "DESIGN.md" not in path.read_text(), f"{path.relative_to(ROOT)} cites a file users do not have"


def test_readme_links_resolve_and_the_design_notes_cover_what_the_code_follows():
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#:]+)\)", readme):
        assert (ROOT / target).exists(), f"README links to a missing file: {target}"
    assert "docs/design.md" in readme
    design = (ROOT / "docs/design.md").read_text()
    topics = (
        # the layers of the package
        "## Layers of the package", "`core/`", "`algorithms/`", "`persistence/`", "`integrations/`", "`deployment/`",
        "`envs/`", "`cli/`", "`registry.py`", "register_algorithm",
        # the algorithm
        "## The population", "## Selection", "tie_tolerance", "copy_optimizer", "recovery_fraction",
        "## Eq. 3", "**Units.**", "## What the leader drives in each algorithm", "EauDeDQN", "EauDeSAC", "EauDeCQL",
        # the period
        "## The period", "PeriodClock", "target_updates_per_selection", "every k-th target update",
        # the departures from the paper, with the options reference they are listed in
        "## Defaults that are ours, not the paper's", "(options.md)",
    )
    for topic in topics:
        assert topic in design, f"docs/design.md lacks {topic!r}"


# A page of the site speaks to its reader: no pointer into the project's own history. Generated files
# (the options tables, the results page and its figures) and the build output are not written by hand.
HISTORY_REFERENCE = re.compile(r"\b(?:issues?|findings?)\s+\d+|\bsessions?\b", re.IGNORECASE)
GENERATED = ("docs/_build/", "docs/_generated/", "docs/_static/", "docs/results/", "docs/results.md")


def test_no_page_of_the_docs_refers_to_the_project_history():
    for path in sorted(ROOT.glob("docs/**/*.md")):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(GENERATED):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = HISTORY_REFERENCE.search(line)
            assert match is None, f"{name}:{number} refers to the project's history: {match.group(0)!r}"


def test_the_study_notes_link_to_files_that_exist():
    """Relative links in studies/**/*.md (the index, each study's README and the tools' reports) resolve."""
    for path in sorted(ROOT.glob("studies/**/*.md")):
        for target in re.findall(r"\]\(([^)#:]+)\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} links to a missing file: {target}"


def test_demo_trains_both_agents_and_reports_them(tmp_path):
    """``make demo`` (python -m sbx_eaudeqn.cli.demo) on a tiny budget: both agents trained, the table printed,
    the figure, the summary and both exported policies written."""
    command = [sys.executable, "-m", "sbx_eaudeqn.cli.demo", "--timesteps", "2000", "--seed", "1",
               "--output", str(tmp_path)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True, cwd=ROOT).stdout
    assert "EauDeDQN" in output and "DQN (SBX, dense)" in output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [entry["algo"] for entry in summary] == ["eaudedqn", "dqn"]
    for entry in summary:
        assert {"algo", "env", "seed", "return", "sparsity", "seconds"} <= entry.keys()
        assert entry["env"] == "Acrobot-v1" and entry["seed"] == 1 and -500 <= entry["return"] <= 0
        assert [evaluation["step"] for evaluation in entry["history"]] == list(range(200, 2001, 200))
        assert entry["export_bytes"] == (tmp_path / f"{entry['algo']}.npz").stat().st_size
        assert f"{entry['kept_weights']:,} of {entry['total_weights']:,}" in output  # the table's row
    assert summary[1]["sparsity"] == 0.0 and summary[1]["kept_weights"] == summary[1]["total_weights"]
    assert (tmp_path / "demo.png").stat().st_size > 0
