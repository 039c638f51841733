"""The benchmark runner and the study folders: the runner's command line on a tiny study, the bundled
settings it reads, its executors and checkpoints; every ``studies/*/stages.py`` loads, owns the results
beside it, and imports no other study."""

import ast
import json
import pathlib
import textwrap

import pytest

ROOT = pathlib.Path(__file__).parent.parent
STAGE_FILES = sorted((ROOT / "studies").glob("*/stages.py"))


def _study(name: str):
    from benchmarks.runner import load_study

    return load_study(ROOT / "studies" / name)


TINY_STUDY = '''
"""A tiny study: EauDeDQN on CartPole-v1 for 512 steps (2 x train_freq), two seeds; a dense run in another stage."""

from benchmarks.report import results_table
from benchmarks.runner import RunSpec

SMALL = (("gradient_steps", 8), ("net_arch", (16, 16)))
STAGES = {
    "tiny": [RunSpec("tiny", "eaudedqn", "CartPole-v1", seed, 512, SMALL + (("population_size", 2),), eval_episodes=1)
             for seed in (0, 1)],
    "dense": [RunSpec("dense", "dqn", "CartPole-v1", 0, 512, SMALL, eval_episodes=1)],
}
DEFAULT_STAGES = ("tiny",)


def prepare(specs, out):
    """Records the runs it is given, and makes them all."""
    with open(out / "prepared.txt", "a") as handle:
        handle.write(" ".join(spec.run_id for spec in specs) + "\\n")
    return specs


def report(results, out):
    return "A tiny report.\\n\\n" + results_table(results)
'''


def test_runner_command_line_runs_the_stages_of_a_study_folder(tmp_path):
    """``python -m benchmarks.runner <folder> ...``: the default stages, only the seeds asked for, the
    stage file's prepare and report; ``--report-only`` writes the same table and runs nothing."""
    from benchmarks.runner import main

    study = tmp_path / "tiny"
    study.mkdir()
    (study / "stages.py").write_text(textwrap.dedent(TINY_STUDY))
    main([str(study), "--seeds", "0", "--executor", "inline"])
    assert sorted(path.name for path in study.glob("*.json")) == ["tiny_seed0.json"]  # default stage, seed 0
    assert (study / "prepared.txt").read_text() == "tiny_seed0\n"
    assert not list((study / "partial").iterdir())  # the run finished: no checkpoint left
    result = json.loads((study / "tiny_seed0.json").read_text())
    assert len(result["history"]) == 10 and result["overrides"]["population_size"] == 2
    table = (study / "table.md").read_text()
    command, body = table.split("\n", 1)
    assert command == f"Command: python -m benchmarks.runner {study} --seeds 0 --executor inline"
    assert body.startswith("\nA tiny report.\n") and "| tiny | 1 |" in body
    main([str(study), "--report-only"])
    command, again = (study / "table.md").read_text().split("\n", 1)
    assert command == f"Command: python -m benchmarks.runner {study} --report-only" and again == body
    assert (study / "prepared.txt").read_text() == "tiny_seed0\n"  # nothing was prepared, nothing ran


def test_runner_command_line_refuses_a_folder_without_stages(tmp_path, capsys):
    from benchmarks.runner import main

    with pytest.raises(SystemExit, match="holds no stages.py"):
        main([str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0 and "minatar" in capsys.readouterr().out  # the studies it knows


@pytest.mark.parametrize("stage_file", STAGE_FILES, ids=lambda path: path.parent.name)
def test_every_study_loads_and_finds_each_result_beside_it(stage_file):
    """Stages are lists of runs; one run id names one setting; every result file in the folder is a run
    of a stage (so the runner skips it, and ``--report-only`` reports it)."""
    from benchmarks.runner import RunSpec

    study = _study(stage_file.parent.name)
    assert study.STAGES and all(isinstance(spec, RunSpec) for specs in study.STAGES.values() for spec in specs)
    assert set(getattr(study, "DEFAULT_STAGES", ())) <= set(study.STAGES)
    for hook in ("report", "prepare"):
        assert callable(getattr(study, hook, callable))
    specs: dict[str, RunSpec] = {}
    for spec in (spec for stage in study.STAGES.values() for spec in stage):
        assert specs.setdefault(spec.run_id, spec) == spec, f"{spec.run_id} names two settings"
    results = {path.stem for path in stage_file.parent.glob("*_seed*.json")}
    assert not results - specs.keys(), f"results of no stage: {sorted(results - specs.keys())[:5]}"


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_no_study_imports_another_nor_edits_sys_path():
    """A stage file is a plain module: it imports the runner and the report helpers, never another
    study; it has no command line of its own. No file in benchmarks/ or studies/ edits sys.path."""
    for path in STAGE_FILES:
        source = path.read_text()
        imports = _imports(ast.parse(source))
        local = {name for name in imports if name.split(".")[0] in ("benchmarks", "studies", "stages")}
        assert local <= {"benchmarks.runner", "benchmarks.report"}, f"{path.relative_to(ROOT)} imports {local}"
        assert "argparse" not in imports and "__main__" not in source, f"{path.relative_to(ROOT)} has a command line"
        for loader in ("load_study", "spec_from_file_location", "import_module", "__import__"):
            assert loader not in source, f"{path.relative_to(ROOT)} loads a module by name ({loader})"
    for path in [*STAGE_FILES, *sorted((ROOT / "benchmarks").glob("*.py"))]:
        assert "sys.path" not in path.read_text(), f"{path.relative_to(ROOT)} edits sys.path"


def test_runner_reads_the_bundled_yaml_and_runs_through_submitit(tmp_path):
    """The study runner: settings from the bundled YAML files, one JSON per run, submitit's local executor."""
    from benchmarks.runner import RunSpec, bundled_settings, run_missing

    dense = bundled_settings("dqn", "CartPole-v1")
    assert dense["target_update_interval"] == 1024 and "population_size" not in dense  # sbx.DQN's keywords only
    assert "prune_scope" not in dense
    assert bundled_settings("eaudedqn", "CartPole-v1")["target_update_interval"] == 1024  # the file's own entry
    spec = RunSpec("tiny", "eaudedqn", "CartPole-v1", 0, 1000, (("net_arch", (16, 16)), ("population_size", 2)))
    results = run_missing([spec], tmp_path, executor="submitit-local")
    assert [r["run_id"] for r in results] == ["tiny_seed0"] and (tmp_path / "tiny_seed0.json").is_file()
    assert results[0]["selections"] > 0 and len(results[0]["history"]) == 10
    assert set(results[0]["layer_sparsities"]) == {f"params/Dense_{i}/kernel" for i in range(3)}
    settings = results[0]["settings"]  # every option the model held, defaults included, and its provenance
    assert settings["population_size"] == 2 and settings["copy_optimizer"] == "inherit" and "period" in settings
    assert results[0]["package_version"] and results[0]["commit"] and "tie_decided_share" in results[0]
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
    minatar = _study("minatar")
    specs = minatar.heads_runs()
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
    assert minatar.normalised_returns(results)["h8_eaudedqn"] == [4.0 / 2.5]
    # EauDe's sparsity schedule comes from every selection, the others' from the evaluations.
    assert minatar.sparsity_curve(results[2]).tolist() == [[2000, 0.1], [4000, 0.1]]
    assert minatar.sparsity_curve(results[0])[:, 0].tolist() == [250_000, 300_000, 400_000, 500_000]
    # The claims table: one row per game and head, with EauDe's score, sparsity and run count.
    results[2]["group"], results[2]["sparsity"] = minatar.group_name("MinAtar/Breakout-v1", 8, "eaudedqn"), 0.6
    for run in results[:2]:
        run["group"] = minatar.group_name("MinAtar/Breakout-v1", 8, "dqn")
    rows = minatar.claims_table(results).splitlines()
    assert len(rows) == 2 + 3  # header, rule, heads 8 / 128 / 512
    assert rows[2].startswith("| Breakout-v1 | 8 | 1.60 [1.60, 1.60] (1) | 0.600 [0.600, 0.600] (1) | n/a |")
    assert rows[3].endswith("| 128 | n/a | n/a | n/a |")
    # The schedule table: EauDe's sparsity at the end of each quarter of the budget, and the copies' wins.
    results[2]["selection_trace"] = trace + [[130_000, 1, 0.1, 0.2, 0], [260_000, 1, 0.1, 0.3, 0], [500_000, 0, 0.0, 0.4, -1]]
    results[2] |= {"explored_win_share": 0.5, "explored_win_share_last_quarter": 0.25}
    row = minatar.schedule_table(results).splitlines()[2]
    assert row == "| Breakout-v1 | 8 | 1 | 0.10, 0.20, 0.30, 0.40 | 50% | 25% |"


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
    guide_of = _study("default_lr")._guide

    period, budget, sparsity, trace = 1000, 20_000, 0.0, []
    for step in range(2000, 19_001, period):  # 0.4 T / (L - t + T) <= 0.2: the cap never binds
        if step != 5000:  # at 5k the leader keeps its place
            sparsity += (1 - sparsity) * 0.4 * period / (budget - step + period)
        trace.append([step, int(step != 5000), 0.0, sparsity, 0])
    guide = guide_of({"selection_trace": trace, "budget": budget, "overrides": {}})
    assert guide["w"] == 17 / 18 and 17 / 18 < guide["slope_w"] < 1.0  # the kept selection was an early one
    assert abs(guide["u"] - 0.4) < 1e-9
    assert abs(guide["guide"] - sparsity) < 0.05  # the guide integrates the slope the trace sums
