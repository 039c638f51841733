"""The warning on selection periods too short for a pruned copy to recover, and the bundled entries."""

import inspect
import math
import warnings

import pytest
import yaml

from sbx_eaudeqn import EauDeDQN, EauDeSAC
from sbx_eaudeqn.core.clock import MIN_STEPS_PER_SELECTION, gradient_steps_per_target_update
from sbx_eaudeqn.algorithms.dqn import DEFAULT_TARGET_UPDATE_INTERVAL
from sbx_eaudeqn.integrations.zoo import ZOO_ALGOS, hyperparams_path

# RL Zoo's CartPole-v1 DQN entry (rl-zoo3 2.9.2): a target update every 10 env steps, 128 gradient
# steps every 256: 5 gradient steps per selection.
ZOO_CARTPOLE = dict(target_update_interval=10, train_freq=256, gradient_steps=128, learning_starts=1000)


def recovery_warnings(build) -> tuple[object, list[str]]:
    """The model ``build()`` returns, and the recovery warnings its construction gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build()
    recovery = [w for w in caught if "a pruned copy needs to recover" in str(w.message)]
    # Each points at the user's line (here, this file), not at the library's setup code.
    assert all(w.filename == __file__ for w in recovery), [w.filename for w in recovery]
    return model, [str(w.message) for w in recovery]


def test_rl_zoo_cartpole_setting_selects_every_100th_target_update_without_a_warning():
    # 10 env steps / 256 x 128 gradient steps = 5 per target update: k = 100 gives 500 per selection,
    # and DQN keeps RL Zoo's target period.
    model, messages = recovery_warnings(lambda: EauDeDQN("MlpPolicy", "CartPole-v1", **ZOO_CARTPOLE))
    assert messages == []
    assert model.target_update_interval == 10 and model.period_clock.updates_per_period == 100
    assert model.period_clock.length == 500


def test_a_short_dqn_period_warns_once_and_names_the_settings_to_change():
    model, messages = recovery_warnings(
        lambda: EauDeDQN("MlpPolicy", "CartPole-v1", target_updates_per_selection=1, **ZOO_CARTPOLE))
    assert model.period_clock.length == 5
    assert len(messages) == 1
    assert messages[0].startswith("EauDeDQN: one selection period holds 5 gradient steps, fewer than the 500")
    assert "Raise target_update_interval, gradient_steps or target_updates_per_selection (or lower train_freq)" in messages[0]


def test_a_short_actor_critic_period_warns_once_and_names_selection_period():
    model, messages = recovery_warnings(
        lambda: EauDeSAC("MlpPolicy", "Pendulum-v1", selection_period=100, policy_kwargs=dict(net_arch=[16])))
    assert model.config.selection_period == 100  # the warning does not change the setting
    assert len(messages) == 1
    assert messages[0].startswith("EauDeSAC: one selection period holds 100 gradient steps, fewer than the 500")
    assert "Raise selection_period so that a period holds at least 500 gradient steps" in messages[0]


def test_constructor_defaults_do_not_warn():
    dqn, messages = recovery_warnings(lambda: EauDeDQN("MlpPolicy", "CartPole-v1", policy_kwargs=dict(net_arch=[16])))
    assert messages == [] and dqn.period_clock.length == 500
    sac, messages = recovery_warnings(lambda: EauDeSAC("MlpPolicy", "Pendulum-v1", policy_kwargs=dict(net_arch=[16])))
    assert messages == [] and sac.config.selection_period == 1000


def eaude_entries():
    for algo in sorted(ZOO_ALGOS):
        if algo.startswith("eaude"):
            for env_id, entry in yaml.safe_load(hyperparams_path(algo).read_text()).items():
                if env_id != "default":
                    yield pytest.param(algo, entry, id=f"{algo}-{env_id}")


@pytest.mark.parametrize("algo, entry", list(eaude_entries()))
def test_no_bundled_entry_selects_more_often_than_a_copy_can_recover(algo, entry):
    if algo in ("eaudedqn",):
        per_update = gradient_steps_per_target_update(entry.get("target_update_interval", DEFAULT_TARGET_UPDATE_INTERVAL),
                                                      entry.get("train_freq", 4), entry.get("gradient_steps", 1))
        steps = per_update * entry.get("target_updates_per_selection", math.ceil(MIN_STEPS_PER_SELECTION / per_update))
    else:
        default = inspect.signature(ZOO_ALGOS[algo].__init__).parameters
        steps = entry.get("selection_period", default["selection_period"].default if "selection_period" in default
                          else 1000)
    assert steps >= MIN_STEPS_PER_SELECTION


def test_the_warning_points_at_a_user_script_in_a_folder_named_sbx(tmp_path):
    # A clone of this repository may be named sbx: only the installed packages' own folders are library code.
    import runpy

    script = tmp_path / "sbx" / "train.py"
    script.parent.mkdir()
    script.write_text("from sbx_eaudeqn import EauDeSAC\n"
                      "EauDeSAC('MlpPolicy', 'Pendulum-v1', selection_period=100, policy_kwargs=dict(net_arch=[16]))\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runpy.run_path(str(script))
    recovery = [w for w in caught if "a pruned copy needs to recover" in str(w.message)]
    assert [w.filename for w in recovery] == [str(script)]
