"""The documentation a user of the repository can read: no reference to files outside it."""

import pathlib
import re

ROOT = pathlib.Path(__file__).parent.parent


def user_facing_files() -> list[pathlib.Path]:
    files = [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("sbx_eaudeqn/*.py")]
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
