"""Every Python example of the documentation runs: each ```python block of README.md and of the site's
pages (docs/**/*.md, without the build output and the generated tables), as it is written.

Each block runs in a fresh namespace, in an empty temporary directory (the files it writes, models,
datasets and figures, go there). Training budgets are shrunk by one fixture, ``short_training``, and by
nothing else: the blocks are not copied or edited. A block that cannot run here is marked in the
Markdown, on the line right before its fence, with a MyST comment ``% skip-test: <reason>`` (or, in
README.md, which GitHub renders, an HTML comment ``<!-- skip-test: <reason> -->``), and is skipped with
that reason. Use it sparingly: for examples that need more than classic control, MuJoCo and MinAtar.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

import jax
import numpy as np
import pytest
from helpers import masked_weights_are_zero
from stable_baselines3.common.base_class import BaseAlgorithm

from sbx_eaudeqn import SparsePolicy
from sbx_eaudeqn.core.pruning import weight_sparsity

ROOT = pathlib.Path(__file__).parent.parent
# Folders of docs/ that hold no page of the site (as docs/conf.py excludes them): the Sphinx build, the
# generated tables, and result data.
EXCLUDED = ("docs/_build", "docs/_generated", "docs/results")
# The largest number of steps any learn() of a block runs (environment steps; gradient steps offline).
MAX_TIMESTEPS = 300

OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})[ \t]*python[ \t]*$")
SKIP = re.compile(r"^\s*(?:%\s*skip-test:\s*(?P<myst>.+?)|<!--\s*skip-test:\s*(?P<html>.+?)\s*-->)\s*$")


@dataclasses.dataclass(frozen=True)
class Block:
    path: pathlib.Path
    index: int  # position among the file's Python blocks, from 0
    line: int  # line of the opening fence, from 1
    code: str
    skip: str | None  # the reason of a skip-test marker, or None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def documented_files() -> list[pathlib.Path]:
    """README.md, then the site's Markdown pages in a fixed order."""
    pages = [path for path in sorted((ROOT / "docs").rglob("*.md"))
             if not any(path.relative_to(ROOT).as_posix().startswith(f"{folder}/") for folder in EXCLUDED)]
    return [path for path in [ROOT / "README.md", *pages] if path.is_file()]


def python_blocks(path: pathlib.Path) -> list[Block]:
    """The ```python blocks of one Markdown file, with the skip-test marker right before each, if any."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, number = [], 0
    while number < len(lines):
        opening = OPENING.match(lines[number])
        if opening is None:
            number += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        end = number + 1
        while end < len(lines) and not (lines[end].startswith(indent) and lines[end].strip() == fence):
            end += 1
        code = "\n".join(line[len(indent):] if line.startswith(indent) else line for line in lines[number + 1 : end])
        above = number - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        marker = SKIP.match(lines[above]) if above >= 0 else None
        skip = (marker["myst"] or marker["html"]) if marker else None
        blocks.append(Block(path, len(blocks), number + 1, code + "\n", skip))
        number = end + 1
    return blocks


BLOCKS = [block for path in documented_files() for block in python_blocks(path)]


@pytest.fixture
def short_training(monkeypatch, tmp_path):
    """Cap the budget of every training run at ``MAX_TIMESTEPS``: the only change made to the documented code.

    Every ``learn`` of SB3, SBX and this package (EauDeCQL's offline loop included) hands its
    ``total_timesteps`` to ``BaseAlgorithm._setup_learn`` before it trains, and the training length L
    that Eq. 3 and the PolyPrune schedule read is what that method returns. Capping the argument there
    turns ``model.learn(total_timesteps=50_000)`` into a run of at most ``MAX_TIMESTEPS`` steps with
    the block's text untouched. (``BaseAlgorithm.learn`` itself cannot be capped in one place: it is
    abstract, and every algorithm class overrides it.) Everything else runs as written: constructors,
    settings, saving, loading, export and evaluation. The block runs in an empty temporary directory.
    """
    setup_learn = BaseAlgorithm._setup_learn

    def capped(self, total_timesteps, *args, **kwargs):
        return setup_learn(self, min(int(total_timesteps), MAX_TIMESTEPS), *args, **kwargs)

    monkeypatch.setattr(BaseAlgorithm, "_setup_learn", capped)
    monkeypatch.chdir(tmp_path)


def test_the_documentation_has_python_examples():
    pages = {block.path.relative_to(ROOT).as_posix() for block in BLOCKS}
    assert "docs/quickstart.md" in pages, sorted(pages)
    assert len(BLOCKS) >= 10, [block.where for block in BLOCKS]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{block.path.relative_to(ROOT)}-{block.index}" for block in BLOCKS])
def test_documented_python_block_runs(block, short_training):
    if block.skip:
        pytest.skip(f"{block.where}: {block.skip}")
    # Padded so that a traceback names the Markdown file and the line there.
    code = compile("\n" * block.line + block.code, str(block.path), "exec")
    namespace = {"__name__": "__main__"}
    exec(code, namespace)
    # What the block promises a reader: every model it leaves behind holds a consistent sparse network
    # (pruned weights exactly zero, the reported sparsity the one measured from the weights), and every
    # sparse policy it exports acts.
    models = [value for value in namespace.values() if isinstance(value, BaseAlgorithm)]
    for model in models:
        if getattr(model, "population", None) is not None:
            assert masked_weights_are_zero(model.population), f"{block.where}: a pruned weight is not zero"
            leader = jax.tree_util.tree_map(lambda leaf: leaf[0], model.population.params)
            assert model.sparsity == pytest.approx(float(weight_sparsity(leader))), block.where
            assert 0.0 <= model.sparsity < 1.0, block.where
    policies = [value for value in namespace.values() if isinstance(value, SparsePolicy)]
    for policy in policies:
        action, _ = policy.predict(np.zeros(policy.observation_shape, dtype=np.float32))
        assert np.all(np.isfinite(np.asarray(action, dtype=np.float64))), block.where
    assert models or policies or any(tmp_file.is_file() for tmp_file in pathlib.Path.cwd().iterdir()), \
        f"{block.where}: the block leaves no model, policy or file behind"
