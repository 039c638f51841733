"""The benchmark scripts' --quick modes run end to end and write their reports (no timing is asserted)."""

import importlib
import json
import pathlib
import subprocess
import sys

import pytest

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
    from sbx_eaudeqn.envs.minatar import MinAtarPolicy

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


def _quick_stage(script: str, out: pathlib.Path) -> tuple[dict[str, dict], str]:
    """Run the ``quick`` stage of ``benchmarks/<script>.py`` into ``out`` through its command line, in this
    process (``--executor inline``: compiled functions are shared with the other tests; the process pool
    is tested with the long runs): its results by run id, its table."""
    importlib.import_module(f"benchmarks.{script}").main(["--stages", "quick", "--executor", "inline", "--out", str(out)])
    assert not list((out / "partial").iterdir())  # every run finished: no checkpoint left
    results = {path.stem: json.loads(path.read_text()) for path in out.glob("*_seed*.json")}
    return results, (out / "table.md").read_text()


def _rows(table: str, group: str) -> list[str]:
    """The rows of both tables (the runner's IQM table, then the seed table) for ``group``."""
    return [line for line in table.splitlines() if line.startswith(f"| {group} |")]


def test_stage_command_line_runs_only_the_seeds_asked_for(tmp_path):
    from benchmarks.runner import RunSpec, stage_study_main

    stages = {"pair": [RunSpec("g", "eaudedqn", "CartPole-v1", seed, 1000) for seed in (0, 1, 2)]}
    asked = []  # the runs that would start, seen through the hook that runs before them; none is run

    def record(specs, out):
        asked.extend(specs)
        return []

    with pytest.raises(SystemExit, match="no finished runs"):
        stage_study_main(["--seeds", "0", "2", "--out", str(tmp_path)], "d", "m", stages, str(tmp_path),
                         prepare=record)
    assert [spec.seed for spec in asked] == [0, 2]


def test_dqn_cartpole_quick_stage_runs_through_the_runner(tmp_path):
    results, table = _quick_stage("dqn_cartpole", tmp_path)
    groups = [f"CartPole-v1_L512_zoo_{algo}" for algo in ("dqn", "eaudedqn", "polyprunedqn")]
    assert sorted(results) == [f"{group}_seed0" for group in groups]
    for result in results.values():  # RL Zoo's target period, 10 evaluations over the budget
        assert result["overrides"]["target_update_interval"] == 10
        assert [step for step, *_ in result["history"]] == list(range(51, 511, 51))
    assert results["CartPole-v1_L512_zoo_polyprunedqn_seed0"]["sparsity"] > 0.9
    assert "| s per run |" in table and "IQM final return" in table
    for group in groups:
        assert len(_rows(table, group)) == 2
    # --report-only writes the same table from the JSON files, running nothing.
    importlib.import_module("benchmarks.dqn_cartpole").main(["--report-only", "--out", str(tmp_path)])
    assert (tmp_path / "table.md").read_text().split("\n", 1)[1] == table.split("\n", 1)[1]


def test_offline_cartpole_quick_stage_collects_its_dataset_and_counts_gradient_steps(tmp_path):
    results, table = _quick_stage("offline_cartpole", tmp_path)
    dataset = tmp_path / "dataset_dqn500.pkl"
    assert dataset.is_file()  # collected once, before the runs, into --out
    groups = [f"CartPole-v1_D500_G200_{name}" for name in ("cql", "eaudecql", "polyprunecql")]
    assert sorted(results) == [f"{group}_seed0" for group in groups]
    for result in results.values():
        assert result["overrides"]["dataset"] == str(dataset)
        assert [step for step, *_ in result["history"]] == list(range(20, 201, 20))  # gradient steps
    assert results["CartPole-v1_D500_G200_cql_seed0"]["sparsity"] == 0.0
    assert results["CartPole-v1_D500_G200_polyprunecql_seed0"]["sparsity"] > 0.9
    for group in groups:
        assert len(_rows(table, group)) == 2


def test_sparse_actor_quick_stage_reports_actor_and_critic_sparsity(tmp_path):
    results, table = _quick_stage("sparse_actor", tmp_path)
    assert "| actor sparsity (per seed) | critic sparsity (per seed) |" in table
    for name, sparsity in (("actor0", 0.0), ("actor0.9", 0.9)):  # the quick stage leaves 0.8 out
        result = results[f"Pendulum-v1_L300_{name}_seed0"]
        assert abs(result["actor_sparsity"] - sparsity) < 0.01 and result["selections"] > 0
        seed_row = _rows(table, f"Pendulum-v1_L300_{name}")[1]
        assert seed_row.split(" | ")[3] == f"{sparsity:.3f} ({sparsity:.2f})"


class _Interrupted(Exception):
    pass


def test_runner_resumes_an_offline_run_from_its_checkpoint(tmp_path, monkeypatch):
    """CQL through the runner: a dataset override, a budget in gradient steps, and a checkpoint without a
    replay buffer (the model reloads its dataset), from which a later call continues the run."""
    from stable_baselines3.common import evaluation

    from benchmarks.runner import RunSpec, _save, run_one
    from sbx_eaudeqn.cli.collect import collect

    dataset = collect("CartPole-v1", steps=300, size=300, out=tmp_path / "data.pkl")
    spec = RunSpec("cql", "eaudecql", "CartPole-v1", 0, 200,
                   (("dataset", str(dataset)), ("net_arch", (16, 16)), ("population_size", 2),
                    ("target_update_interval", 20), ("target_updates_per_selection", 1)))
    evaluate, evaluated_at = evaluation.evaluate_policy, []

    def evaluate_then_stop_at_120(model, *args, **kwargs):
        evaluated_at.append(model.num_timesteps)
        if model.num_timesteps == 120 and evaluated_at.count(120) == 1:
            raise _Interrupted
        return evaluate(model, *args, **kwargs)

    monkeypatch.setattr(evaluation, "evaluate_policy", evaluate_then_stop_at_120)
    with pytest.raises(_Interrupted):
        run_one(spec, str(tmp_path))
    assert sorted(path.name for path in (tmp_path / "partial").iterdir()) == ["cql_seed0.json", "cql_seed0.zip"]
    result = run_one(spec, str(tmp_path))
    assert evaluated_at == [20, 40, 60, 80, 100, 120, 120, 140, 160, 180, 200]  # resumed from step 100
    assert [step for step, *_ in result["history"]] == list(range(20, 201, 20))
    assert result["overrides"]["dataset"] == str(dataset) and result["selections"] > 0
    assert not list((tmp_path / "partial").iterdir())
    # A run finished meanwhile (by another runner on the same folder) is returned, not trained again.
    _save(result, tmp_path)
    assert run_one(spec, str(tmp_path))["history"] == json.loads(json.dumps(result["history"]))
    assert len(evaluated_at) == 11


def test_guide_recovers_the_uniform_draw_of_eq3_from_a_selection_trace():
    """A trace in which the leader takes the draw U = 0.4 of Eq. 3 at every selection but one (the cap
    never binding) gives back w = 17 / 18 and u = 0.4, and the guide lies near the sparsity reached."""
    from benchmarks.default_lr_study import _guide

    period, budget, sparsity, trace = 1000, 20_000, 0.0, []
    for step in range(2000, 19_001, period):  # 0.4 T / (L - t + T) <= 0.2: the cap never binds
        if step != 5000:  # at 5k the leader keeps its place
            sparsity += (1 - sparsity) * 0.4 * period / (budget - step + period)
        trace.append([step, int(step != 5000), 0.0, sparsity, 0])
    guide = _guide({"selection_trace": trace, "budget": budget, "overrides": {}})
    assert guide["w"] == 17 / 18 and 17 / 18 < guide["slope_w"] < 1.0  # the kept selection was an early one
    assert abs(guide["u"] - 0.4) < 1e-9
    assert abs(guide["guide"] - sparsity) < 0.05  # the guide integrates the slope the trace sums
