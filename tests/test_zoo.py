"""RL Zoo 3: the literal rl_zoo3 commands, run in subprocesses with tiny budgets on the installed package."""

import os
import pathlib
import subprocess
import sys

import pytest
import yaml

pytest.importorskip("rl_zoo3")

BIN = pathlib.Path(sys.executable).parent
TESTS = pathlib.Path(__file__).parent


def run(command: list[str], cwd: pathlib.Path, **env: str) -> str:
    environment = os.environ | {"JAX_PLATFORMS": "cpu"} | env
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{output[-4000:]}"
    return output


def rl_zoo3(*args: str, cwd: pathlib.Path, **env: str) -> str:
    return run([str(BIN / "rl_zoo3"), *args], cwd, **env)


def load(path: pathlib.Path):
    from sbx_eaudeqn.integrations.zoo import ZOO_ALGOS

    algo = path.parts[-3]
    return ZOO_ALGOS[algo].load(path)


def test_train_enjoy_and_plot_halfcheetah(tmp_path):
    rl_zoo3("train", "--algo", "eaudesac", "--env", "HalfCheetah-v5", "-n", "300", cwd=tmp_path)
    model_path = tmp_path / "logs/eaudesac/HalfCheetah-v5_1/HalfCheetah-v5.zip"
    assert model_path.is_file()
    config = dict(yaml.load((model_path.parent / "HalfCheetah-v5/config.yml").read_text(), Loader=yaml.UnsafeLoader))
    assert config["policy"] == "MlpPolicy" and "population_size" not in config  # the bundled file: class defaults
    trained = load(model_path)
    assert trained.config.population_size == 5 and trained.config.selection_period == 1000

    output = rl_zoo3("enjoy", "--algo", "eaudesac", "--env", "HalfCheetah-v5", "-f", "logs/", "-n", "1001",
                     "--no-render", cwd=tmp_path)
    assert "Episode Reward" in output

    figures = tmp_path / "figures"
    figures.mkdir()
    rl_zoo3("plot_train", "--algo", "eaudesac", "--env", "HalfCheetah-v5", "-f", "logs/", cwd=tmp_path,
            MPLBACKEND="module://mpl_save_backend", FIGURE_DIR=str(figures), PYTHONPATH=str(TESTS))
    assert list(figures.glob("*.png"))

    # Our callback from the bundled file logged the sparsity in the run folder; our plot command reads it.
    rows = (model_path.parent / "sparsity.csv").read_text().splitlines()
    assert rows[0] == "timesteps,sparsity,population_sparsities" and len(rows) >= 2
    run([sys.executable, "-m", "sbx_eaudeqn.cli.plot", "logs/"], tmp_path)
    assert (tmp_path / "logs/sparsity_schedule.png").stat().st_size > 0
    assert (tmp_path / "logs/returns.png").stat().st_size > 0


def test_hyperparams_overrides_then_continue_with_i(tmp_path):
    rl_zoo3("train", "--algo", "eaudesac", "--env", "Pendulum-v1", "-n", "300", "--hyperparams",
            "population_size:7", "sparsity_scale:2.0", "learning_starts:100", "selection_period:50", cwd=tmp_path)
    first = tmp_path / "logs/eaudesac/Pendulum-v1_1"
    config = dict(yaml.load((first / "Pendulum-v1/config.yml").read_text(), Loader=yaml.UnsafeLoader))
    assert config["population_size"] == 7 and config["sparsity_scale"] == 2.0
    saved = load(first / "Pendulum-v1.zip")
    assert saved.population_size == 7 and max(saved.population_sparsities) > 0

    rl_zoo3("train", "--algo", "eaudesac", "--env", "Pendulum-v1", "-n", "100", "-i",
            "logs/eaudesac/Pendulum-v1_1/Pendulum-v1.zip", cwd=tmp_path)
    continued = load(tmp_path / "logs/eaudesac/Pendulum-v1_2/Pendulum-v1.zip")
    # The bundled file says K=5: K=7 can only come from the saved population. (Other values of the
    # file, such as sparsity_scale, override the saved ones on -i, as the zoo does for every algorithm.)
    assert continued.population.size == 7 and continued.population_size == 7
    assert max(continued.population_sparsities) >= min(saved.population_sparsities)


def test_optimize_eaudedqn(tmp_path):
    # CartPole: the sampler and the study are what is tested (the zoo's CNN path: the record_video test).
    output = rl_zoo3(
        "train", "--algo", "eaudedqn", "--env", "CartPole-v1", "-optimize", "--n-trials", "2",
        "-n", "130", "--n-startup-trials", "2", "--n-evaluations", "1", "--eval-episodes", "1",
        "--sampler", "random", "--pruner", "none", "--seed", "3",
        "--hyperparams", "buffer_size:300", "learning_starts:120", cwd=tmp_path,
    )
    assert "population_size" in output and "sparsity_scale" in output  # our sampler ran
    assert list((tmp_path / "logs/eaudedqn").glob("report_CartPole-v1_2-trials-130-random-none*"))


def test_console_script_and_polyprune_algorithms(tmp_path):
    run([str(BIN / "sbx-eaudeqn-zoo"), "train", "--algo", "polyprunedqn", "--env", "CartPole-v1", "-n", "400",
         "--hyperparams", "learning_starts:100"], tmp_path)
    model = load(tmp_path / "logs/polyprunedqn/CartPole-v1_1/CartPole-v1.zip")
    assert model.config.final_sparsity == 0.95
    rl_zoo3("train", "--algo", "polyprunesac", "--env", "Pendulum-v1", "-n", "300", "--hyperparams",
            "learning_starts:100", "prune_period:20", cwd=tmp_path)
    assert (tmp_path / "logs/polyprunesac/Pendulum-v1_1/Pendulum-v1.zip").is_file()


def test_startup_hook_costs_nothing_without_rl_zoo3(tmp_path):
    output = run([sys.executable, "-c", (
        "import sys, sbx_eaudeqn_zoo_hook as hook; hook.install(); hook.install();"
        "finders = [f for f in sys.meta_path if type(f).__name__ == 'ZooRegistrationFinder'];"
        "print(len(finders), 'jax' in sys.modules, 'sbx' in sys.modules, 'sbx_eaudeqn' in sys.modules)"
    )], tmp_path)
    assert output.split() == ["1", "False", "False", "False"]


def test_registration_is_idempotent_and_complete():
    import rl_zoo3
    import rl_zoo3.exp_manager
    import rl_zoo3.hyperparams_opt as opt

    from sbx_eaudeqn.integrations.zoo import ZOO_ALGOS, register

    register()
    register()
    for name, cls in ZOO_ALGOS.items():
        assert rl_zoo3.ALGOS[name] is cls
        assert name in opt.HYPERPARAMS_SAMPLER and name in opt.HYPERPARAMS_CONVERTER
    init = rl_zoo3.exp_manager.ExperimentManager.__init__
    assert getattr(init, "_sbx_eaudeqn", False) and not getattr(init.__wrapped__, "_sbx_eaudeqn", False)


def test_enjoy_loads_with_a_one_transition_buffer(tmp_path):
    from sbx_eaudeqn import EauDeDQN
    from sbx_eaudeqn.integrations.zoo import _loader_without_buffer

    EauDeDQN("MlpPolicy", "CartPole-v1", population_size=2, buffer_size=5000).save(tmp_path / "model")
    model = _loader_without_buffer(EauDeDQN).load(tmp_path / "model")
    assert isinstance(model, EauDeDQN) and model.replay_buffer.buffer_size == 1


def test_record_video_loads_a_large_buffer_cnn_model_without_its_buffer(tmp_path):
    # A CnnPolicy EauDeDQN trained by the zoo on Pong (no gradient step: the budget ends before learning_starts).
    rl_zoo3("train", "--algo", "eaudedqn", "--env", "PongNoFrameskip-v4", "-n", "100", "--hyperparams",
            "buffer_size:300", "learning_starts:1000", "population_size:2", "policy_kwargs:dict(net_arch=[32])",
            "--env-kwargs", "max_num_frames_per_episode:800", cwd=tmp_path)
    model_path = tmp_path / "logs/eaudedqn/PongNoFrameskip-v4_1/PongNoFrameskip-v4.zip"
    from sbx_eaudeqn import EauDeDQN

    model = EauDeDQN.load(model_path, buffer_size=1)
    model.buffer_size = 1_000_000  # what the bundled Atari settings save (a 28-56 GB buffer)
    model.save(model_path)

    spy = tmp_path / "replay_buffers.txt"
    run([sys.executable, "-m", "rl_zoo3.record_video", "--algo", "eaudedqn", "--env", "PongNoFrameskip-v4",
         "-f", "logs/", "-n", "20", "--no-render"], tmp_path,
        PYTHONPATH=str(TESTS / "replay_buffer_spy"), REPLAY_BUFFER_SPY=str(spy))
    assert spy.read_text().split() == ["1"]  # one buffer built on loading, of one transition
    assert list((tmp_path / "logs/eaudedqn/PongNoFrameskip-v4_1/videos").glob("*.mp4"))


def test_load_only_zoo_commands_are_recognised():
    from sbx_eaudeqn.integrations.zoo import LOAD_ONLY_COMMANDS, main_module

    assert main_module(["python", "-m", "rl_zoo3.record_video", "--algo", "eaudedqn"]) == "rl_zoo3.record_video"
    assert main_module(["python", "-u", "-W", "error", "-m", "rl_zoo3.push_to_hub"]) == "rl_zoo3.push_to_hub"
    assert main_module(["python", "/venv/lib/site-packages/rl_zoo3/enjoy.py", "--algo", "x"]) == "rl_zoo3.enjoy"
    # Training keeps its buffer: neither the console script nor an argument after the program counts.
    assert main_module(["python", "/venv/bin/rl_zoo3", "train", "-m", "rl_zoo3.enjoy"]) not in LOAD_ONLY_COMMANDS
    assert main_module(["python", "-m", "rl_zoo3.train"]) not in LOAD_ONLY_COMMANDS
    assert main_module(["python", "-c", "import rl_zoo3.enjoy"]) is None


def test_editable_install_carries_the_startup_hook(tmp_path):
    """``pip install -e .`` builds an editable wheel; the hook must be at its root, as in a regular one."""
    pytest.importorskip("setuptools", minversion="77")
    root = TESTS.parent
    script = f"from setuptools import build_meta; print(build_meta.build_editable({str(tmp_path)!r}))"
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    import zipfile

    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sbx_eaudeqn_zoo.pth" in names  # at the top of site-packages once installed
    assert zipfile.ZipFile(wheel).read("sbx_eaudeqn_zoo.pth").decode().strip() == "import sbx_eaudeqn_zoo_hook"


def test_two_tuning_workers_share_one_journal_study(tmp_path):
    """Tuning on many machines: workers started at once on one Optuna journal file fill one study."""
    optuna = pytest.importorskip("optuna")
    journal = tmp_path / "shared/eaudesac_pendulum.log"  # a file on a shared file system, in real use
    command = [str(BIN / "rl_zoo3"), "train", "--algo", "eaudesac", "--env", "Pendulum-v1", "-optimize",
               "--storage", str(journal), "--study-name", "pendulum", "--n-trials", "1", "-n", "150",
               "--n-startup-trials", "2", "--n-evaluations", "1", "--eval-episodes", "1", "--sampler", "random",
               "--pruner", "none", "--hyperparams", "learning_starts:100", "selection_period:25"]
    environment = os.environ | {"JAX_PLATFORMS": "cpu"}
    workers = []
    for worker in (1, 2):
        folder = tmp_path / f"worker{worker}"  # each machine has its own log folder
        folder.mkdir()
        workers.append(subprocess.Popen([*command, "--seed", str(worker)], cwd=folder, env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [worker.communicate(timeout=600)[0] for worker in workers]
    for worker, output in zip(workers, outputs):
        assert worker.returncode == 0, output[-4000:]

    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    study = optuna.load_study(study_name="pendulum", storage=storage)
    trials = [trial for trial in study.trials if trial.state == optuna.trial.TrialState.COMPLETE]
    assert len(trials) == 2
    for trial in trials:  # our parameters were sampled, next to the zoo's SAC ones
        assert {"population_size", "sparsity_scale", "max_prune_fraction", "learning_rate"} <= set(trial.params)
    # Each worker ran one of the two trials.
    ran = sorted(number for output in outputs for number in (0, 1) if f"Trial {number} finished" in output)
    assert ran == [0, 1]

    # Any machine can then train with a trial's parameters, our converter passing ours through
    # (trial 0 included, which the zoo itself skips).
    first = study.trials[0]
    rl_zoo3("train", "--algo", "eaudesac", "--env", "Pendulum-v1", "-n", "120", "--storage", str(journal),
            "--study-name", "pendulum", "--trial-id", "0", "--hyperparams", "learning_starts:100", cwd=tmp_path)
    config = dict(yaml.load((tmp_path / "logs/eaudesac/Pendulum-v1_1/Pendulum-v1/config.yml").read_text(),
                            Loader=yaml.UnsafeLoader))
    assert config["population_size"] == first.params["population_size"]
    assert config["sparsity_scale"] == first.params["sparsity_scale"]
    assert config["learning_starts"] == 100  # --hyperparams still wins over the trial


@pytest.mark.parametrize("algo, period", [("eaudetqc", "selection_period:50"), ("polyprunetd3", "prune_period:50"),
                                         ("eaudecrossq", "selection_period:50")])
def test_train_and_enjoy_the_td3_tqc_and_crossq_families(tmp_path, algo, period):
    rl_zoo3("train", "--algo", algo, "--env", "Pendulum-v1", "-n", "400", "--seed", "0", "--hyperparams", "learning_starts:100",
            period, "policy_kwargs:dict(net_arch=[32,32])", cwd=tmp_path)
    model = load(tmp_path / f"logs/{algo}/Pendulum-v1_1/Pendulum-v1.zip")
    assert type(model).__name__.lower() == algo
    assert max(model.population_sparsities) > 0.0  # pruned at the ends of the periods (the leader may be dense)
    if algo != "eaudecrossq":  # enjoy is one code path for every algorithm: its subprocess runs for one
        from sbx_eaudeqn.integrations.zoo import _loader_without_buffer

        loaded = _loader_without_buffer(type(model)).load(tmp_path / f"logs/{algo}/Pendulum-v1_1/Pendulum-v1.zip")
        assert loaded.replay_buffer.buffer_size == 1 and loaded.predict(loaded.observation_space.sample()[None])[0].shape == (1, 1)
        return
    output = rl_zoo3("enjoy", "--algo", algo, "--env", "Pendulum-v1", "-f", "logs/", "-n", "300", "--no-render",
                     cwd=tmp_path)
    assert "Episode Reward" in output


def test_train_eaudedqn_on_minatar_without_gym_packages(tmp_path):
    pytest.importorskip("minatar")
    rl_zoo3("train", "--algo", "eaudedqn", "--env", "MinAtar/Breakout-v1", "-n", "300", "--eval-freq", "-1",
            "--hyperparams", "learning_starts:100", cwd=tmp_path)
    model = load(tmp_path / "logs/eaudedqn/MinAtar-Breakout-v1_1/MinAtar-Breakout-v1.zip")
    assert type(model.policy).__name__ == "MinAtarPolicy"
    assert model.num_timesteps == 300


def test_rl_zoo_comparison_tools_run_on_dqn_against_eaudedqn(tmp_path):
    """RL Zoo's own comparison of algorithms: all_plots, plot_from_file and plot_train read our logs
    beside the dense parent's, as they read any two zoo algorithms'."""
    for algo in ("dqn", "eaudedqn"):
        for seed in ("0", "1"):  # two runs each: plot_from_file compares the last evaluations across runs
            rl_zoo3("train", "--algo", algo, "--env", "CartPole-v1", "-n", "400", "--seed", seed, "--eval-freq", "200",
                    "--eval-episodes", "2", "--hyperparams", "learning_starts:100", "train_freq:4",
                    "gradient_steps:1", "target_update_interval:100", "policy_kwargs:dict(net_arch=[16])", cwd=tmp_path)
    figures = tmp_path / "figures"
    figures.mkdir()
    plotting = dict(MPLBACKEND="module://mpl_save_backend", FIGURE_DIR=str(figures), PYTHONPATH=str(TESTS))
    output = rl_zoo3("all_plots", "-a", "dqn", "eaudedqn", "-e", "CartPole-v1", "-f", "logs/", "-o", "compare",
                     "--no-display", cwd=tmp_path, **plotting)
    assert "|CartPole-v1 |" in output and "EAUDEDQN" in output and (tmp_path / "compare.pkl").is_file()
    rl_zoo3("plot_from_file", "-i", "compare.pkl", "-o", "compare.svg", "-l", "DQN", "EauDeDQN", cwd=tmp_path, **plotting)
    assert (tmp_path / "compare.svg").stat().st_size > 0
    rl_zoo3("plot_train", "--algo", "eaudedqn", "--env", "CartPole-v1", "-f", "logs/", cwd=tmp_path, **plotting)
    assert list(figures.glob("*.png"))
