"""The documentation a user of the repository can read: no reference to files outside it, and the
README's first command works."""

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
    for topic in ("## Eq. 3", "**Units.**", "## Selection", "optimizer", "## What the leader drives in each algorithm",
                  "## Defaults that are ours, not the paper's", "EauDeDQN", "EauDeSAC", "EauDeCQL"):
        assert topic in design, f"docs/design.md lacks {topic!r}"


def test_the_study_notes_link_to_files_that_exist():
    """Relative links in studies/**/*.md (the index, each study's README and the tools' reports) resolve."""
    for path in sorted(ROOT.glob("studies/**/*.md")):
        for target in re.findall(r"\]\(([^)#:]+)\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} links to a missing file: {target}"


def test_demo_trains_and_reports_the_discovered_sparsity(tmp_path):
    """``make demo`` (python -m sbx_eaudeqn.cli.demo) on a short budget: it reports and saves what it says."""
    command = [sys.executable, "-m", "sbx_eaudeqn.cli.demo", "--timesteps", "3000", "--output", str(tmp_path)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True, cwd=ROOT).stdout
    assert "greedy return over 10 episodes" in output and "discovered sparsity (leader)" in output
    assert (tmp_path / "sparsity_schedule.png").stat().st_size > 0 and (tmp_path / "eaudedqn_model.zip").is_file()
