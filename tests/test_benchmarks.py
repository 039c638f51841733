"""The benchmark scripts' --quick modes run end to end and write their reports (no timing is asserted)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent


def test_replicate_quick_writes_table_and_figures(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks/replicate.py"), "--quick", "--envs", "CartPole-v1",
               "--sizes", "small", "--jobs", "2", "--out", str(tmp_path)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=900, check=True).stdout
    table = (tmp_path / "table.md").read_text()
    for method in ("dense", "polyprune", "eaude"):
        assert f"| CartPole-v1 | small | {method} | 1 |" in table
    for figure in ("returns.png", "sparsity.png", "final_sparsity.png"):
        assert (tmp_path / figure).stat().st_size > 0
    assert "IQM final return" in output


def test_overhead_quick_prints_ratios(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks/overhead.py"), "--quick", "--tasks", "cartpole",
               "--out", str(tmp_path / "overhead.md")]
    subprocess.run(command, capture_output=True, text=True, timeout=900, check=True)
    table = (tmp_path / "overhead.md").read_text()
    for algo in ("SBX DQN", "EauDeDQN K=1", "EauDeDQN K=5", "PolyPruneDQN"):
        assert f"| cartpole | {algo} |" in table
    assert "| cartpole | SBX DQN |" in table and "| 1.00 |" in table
