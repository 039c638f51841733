"""The benchmark scripts' --quick modes run end to end and write their reports (no timing is asserted)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent


def test_replicate_quick_writes_table_and_figures(tmp_path):
    command = [sys.executable, "-m", "benchmarks.replicate", "--quick", "--envs", "CartPole-v1",
               "--sizes", "small", "--jobs", "2", "--out", str(tmp_path)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=900, check=True, cwd=ROOT).stdout
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


def test_runner_reads_the_bundled_yaml_and_runs_through_submitit(tmp_path):
    """The study runner: settings from hyperparams/*.yml, one JSON per run, submitit's local executor."""
    from benchmarks.runner import RunSpec, bundled_settings, run_missing

    dense = bundled_settings("dqn", "CartPole-v1")
    assert dense["target_update_interval"] == 1024 and "population_size" not in dense  # sbx.DQN's keywords only
    assert "prune_scope" not in dense
    assert bundled_settings("eaudedqn", "CartPole-v1")["population_size"] == 5
    spec = RunSpec("tiny", "eaudedqn", "CartPole-v1", 0, 1000, (("net_arch", (16, 16)), ("population_size", 2)))
    results = run_missing([spec], tmp_path, executor="submitit-local")
    assert [r["run_id"] for r in results] == ["tiny_seed0"] and (tmp_path / "tiny_seed0.json").is_file()
    assert results[0]["selections"] > 0 and len(results[0]["history"]) == 10
    assert set(results[0]["layer_sparsities"]) == {f"params/Dense_{i}/kernel" for i in range(3)}
    assert not list((tmp_path / "partial").iterdir())  # checkpoints are removed once the run is done


def test_runner_gives_dense_parents_the_bundled_settings_and_action_noise():
    """A dense TD3 run differs from EauDeTD3 by the method alone, with the zoo's action noise built."""
    import gymnasium as gym
    from stable_baselines3.common.noise import NormalActionNoise

    from benchmarks.runner import RunSpec, bundled_settings, with_action_noise

    dense, eaude = bundled_settings("td3", "Pendulum-v1"), bundled_settings("eaudetd3", "Pendulum-v1")
    assert {k: v for k, v in eaude.items() if k not in ("population_size", "selection_period",
                                                          "sparsity_scale", "max_prune_fraction")} == dense
    settings = with_action_noise(dense, gym.make("Pendulum-v1"))
    assert isinstance(settings["action_noise"], NormalActionNoise) and "noise_type" not in settings
    assert settings["action_noise"]._sigma.tolist() == [0.1]
    spec = RunSpec("adam", "eaudedqn", "CartPole-v1", 0, 1000, (("optimizer_kwargs", (("eps", 1e-4),)),))
    assert spec.kwargs()["policy_kwargs"] == {"net_arch": [256, 256], "optimizer_kwargs": {"eps": 1e-4}}


def test_runner_takes_the_policy_of_the_bundled_entry():
    """MinAtar entries name MinAtarPolicy; the dense SBX DQN gets it as a class (it has no such alias)."""
    from benchmarks.runner import bundled_policy
    from sbx_eaudeqn.minatar import MinAtarPolicy

    assert bundled_policy("dqn", "MinAtar/Breakout-v1") is MinAtarPolicy
    assert bundled_policy("polyprunedqn", "MinAtar/Seaquest-v1") is MinAtarPolicy
    assert bundled_policy("eaudesac", "Pendulum-v1") == "MlpPolicy"


def test_minatar_study_grid_and_normalised_returns():
    from benchmarks.minatar_study import heads_runs, normalised_returns, sparsity_curve

    specs = heads_runs()
    assert len(specs) == 2 * 3 * 3 * 3  # games x heads x methods x seeds
    assert [spec.seed for spec in specs[:18]] == [0] * 18  # seed by seed: an interrupted study holds whole seeds
    assert {dict(spec.overrides)["net_arch"] for spec in specs} == {(8,), (128,), (512,)}

    def result(algo, seed, final_return, trace=None):
        run = {"algo": algo, "env": "MinAtar/Breakout-v1", "group": f"h8_{algo}", "seed": seed,
               "overrides": {"net_arch": [8]}, "final_return": final_return,
               "history": [[250_000, 0.0, 0.0], [300_000, 1.0, 0.0], [400_000, 2.0, 0.0], [500_000, final_return, 0.0]]}
        return run | ({"selection_trace": trace} if trace else {})

    trace = [[2000, 1, 0.01, 0.1, 0], [4000, 0, 0.0, 0.1, -1]]
    results = [result("dqn", 0, 3.0), result("dqn", 1, 6.0), result("eaudedqn", 0, 9.0, trace)]
    # The mean of the last 3 evaluations: 2.0, 3.0 for dense (mean 2.5) and 4.0 for EauDe.
    assert normalised_returns(results)["h8_eaudedqn"] == [4.0 / 2.5]
    # EauDe's sparsity schedule comes from every selection, the others' from the evaluations.
    assert sparsity_curve(results[2]).tolist() == [[2000, 0.1], [4000, 0.1]]
    assert sparsity_curve(results[0])[:, 0].tolist() == [250_000, 300_000, 400_000, 500_000]
    # The claims table: one row per game and head, with EauDe's score, sparsity and run count.
    from benchmarks.minatar_study import claims_table, group_name

    results[2]["group"], results[2]["sparsity"] = group_name("MinAtar/Breakout-v1", 8, "eaudedqn"), 0.6
    for run in results[:2]:
        run["group"] = group_name("MinAtar/Breakout-v1", 8, "dqn")
    rows = claims_table(results).splitlines()
    assert len(rows) == 2 + 3  # header, rule, heads 8 / 128 / 512
    assert rows[2].startswith("| Breakout-v1 | 8 | 1.60 [1.60, 1.60] (1) | 0.600 [0.600, 0.600] (1) | n/a |")
    assert rows[3].endswith("| 128 | n/a | n/a | n/a |")
    # The schedule table: EauDe's sparsity at the end of each quarter of the budget, and the copies' wins.
    from benchmarks.minatar_study import schedule_table

    results[2]["selection_trace"] = trace + [[130_000, 1, 0.1, 0.2, 0], [260_000, 1, 0.1, 0.3, 0], [500_000, 0, 0.0, 0.4, -1]]
    results[2] |= {"explored_win_share": 0.5, "explored_win_share_last_quarter": 0.25}
    assert schedule_table(results).splitlines()[2] == "| Breakout-v1 | 8 | 1 | 0.10, 0.20, 0.30, 0.40 | 50% | 25% |"
