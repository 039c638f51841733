"""Each EauDe and PolyPrune option is written once (sbx_eaudeqn.algorithms.config): checked at
construction with an error naming it and its range, defaulted per family, shown in the signature and
the generated reference, held in ``model.config``, and kept on save and load."""

import inspect
import pathlib
import re

import pytest

from sbx_eaudeqn import EauDeDQN, EauDeSAC, PolyPruneDQN, PolyPruneSAC
from sbx_eaudeqn.algorithms.config import EAUDE, FAMILIES, POLYPRUNE, options_reference, write_reference
from sbx_eaudeqn.registry import ALGORITHMS

PACKAGE = pathlib.Path(__file__).parent.parent / "sbx_eaudeqn"

BAD_VALUES = [
    (EAUDE, "dqn", dict(population_size=0), r"population_size must be an integer >= 1, got 0"),
    (EAUDE, "dqn", dict(population_size=2.5), r"population_size must be an integer >= 1"),
    (EAUDE, "dqn", dict(tournament_size=6), r"tournament_size must be an integer in \[1, population_size=5\], got 6"),
    (EAUDE, "dqn", dict(sparsity_scale=-1.0), r"sparsity_scale must be in \(0, inf\), got -1.0"),
    (EAUDE, "dqn", dict(max_prune_fraction=1.2), r"max_prune_fraction must be in \(0, 1\], got 1.2"),
    (EAUDE, "dqn", dict(prune_scope="random"), r"prune_scope must be one of \('layerwise', 'global', 'erk'\)"),
    (EAUDE, "dqn", dict(prune_criterion="snip"), r"prune_criterion must be one of \('magnitude', 'random'\)"),
    (EAUDE, "dqn", dict(copy_optimizer="keep"), r"copy_optimizer must be one of \('reset', 'inherit'\)"),
    (EAUDE, "dqn", dict(tie_tolerance=float("nan")), r"tie_tolerance must be in \[0, inf\)"),
    (EAUDE, "dqn", dict(tie_tolerance=True), r"tie_tolerance must be in \[0, inf\)"),
    (EAUDE, "dqn", dict(recovery_fraction=1.0), r"recovery_fraction must be in \[0, 1\), got 1.0"),
    (EAUDE, "dqn", dict(target_updates_per_selection=0), r"target_updates_per_selection must be an integer >= 1 or None"),
    (EAUDE, "actor_critic", dict(selection_period=0), r"selection_period must be an integer >= 1, got 0"),
    (EAUDE, "actor_critic", dict(target_update="hard"), r"target_update must be one of \('polyak', 'selection'\)"),
    (EAUDE, "actor_critic", dict(actor_final_sparsity=1.0), r"actor_final_sparsity must be in \[0, 1\) or None"),
    (EAUDE, "actor_critic", dict(actor_prune_start=0.9), r"actor_prune_start must be < actor_prune_end"),
    (POLYPRUNE, "dqn", dict(final_sparsity=1.0), r"final_sparsity must be in \[0, 1\), got 1.0"),
    (POLYPRUNE, "dqn", dict(prune_start=0.8, prune_end=0.2), r"prune_start must be < prune_end, got prune_start=0.8"),
    (POLYPRUNE, "dqn", dict(prune_exponent=0.0), r"prune_exponent must be in \(0, inf\), got 0.0"),
    (POLYPRUNE, "actor_critic", dict(prune_period=0), r"prune_period must be an integer >= 1"),
]


@pytest.mark.parametrize("method, family, given, match", BAD_VALUES)
def test_a_bad_value_is_refused_with_the_option_and_its_range(method, family, given, match):
    with pytest.raises(ValueError, match=match):
        method.configure(family, dict(given))


def test_the_configuration_takes_our_options_and_leaves_the_parents():
    given = dict(population_size=3, learning_rate=1e-3, selection_period=500)
    config = EAUDE.configure("actor_critic", given)
    assert given == dict(learning_rate=1e-3)  # what is left goes to the SBX parent
    assert (config.population_size, config.selection_period, config.tournament_size) == (3, 500, 3)
    assert config.tie_tolerance == 2.0 and EAUDE.configure("dqn", {}).tie_tolerance == 0.0  # per family
    hash(config)  # a static argument of jitted code


@pytest.mark.parametrize("cls", [algorithm.cls() for algorithm in ALGORITHMS], ids=lambda cls: cls.__name__)
def test_each_class_signature_shows_its_family_defaults_and_its_parents_keywords(cls):
    parameters = inspect.signature(cls).parameters
    for name in cls.method.option_names(cls.family):
        assert parameters[name].default == cls.method.default(name, cls.family)
    assert "learning_rate" in parameters and "policy_kwargs" in parameters
    assert "selection_period" in parameters or "prune_period" in parameters or cls.family == "dqn"


def test_the_dqn_target_period_default_is_shown_where_it_differs_from_sbx():
    assert inspect.signature(EauDeDQN).parameters["target_update_interval"].default == 2000
    assert inspect.signature(PolyPruneDQN).parameters["target_update_interval"].default == 1000  # SBX's


def test_each_option_is_defaulted_once_in_the_package():
    """``grep`` finds one default per option: the table. No constructor, class attribute or YAML repeats it."""
    for name in ("copy_optimizer", "tie_tolerance", "recovery_fraction", "selection_period", "final_sparsity"):
        pattern = re.compile(rf"\b{name}\s*(:\s*[\w|\[\] ]+)?\s*=\s*([\"'\d.]|None|True|False)")
        found = [f"{path.relative_to(PACKAGE)}:{number}" for path in PACKAGE.rglob("*.py")
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line) and "``" not in line]  # a docstring's ``name=value`` is no default
        assert found == [], f"{name} is defaulted outside the options table: {found}"


def test_the_reference_lists_every_option_with_its_default_per_family(tmp_path):
    text = options_reference()
    for method in (EAUDE, POLYPRUNE):
        for option in method.options:
            row = next(line for line in text.splitlines() if line.startswith(f"| `{option.name}` |"))
            for family in FAMILIES:
                if family in option.defaults:
                    assert f"`{option.defaults[family]!r}`" in row
    write_reference(tmp_path)
    table = (tmp_path / "parameters" / "EauDeSAC.md").read_text()
    assert "| `tie_tolerance` | `2.0` |" in table and "sbx.SAC" in table
    assert len(list((tmp_path / "parameters").glob("*.md"))) == len(ALGORITHMS)


def test_the_configuration_is_kept_on_save_and_a_different_request_at_load_is_an_error(tmp_path):
    model = PolyPruneSAC("MlpPolicy", "Pendulum-v1", final_sparsity=0.7, prune_period=50, learning_starts=10,
                         buffer_size=100, policy_kwargs=dict(net_arch=[8]))
    model.save(tmp_path / "model")
    loaded = PolyPruneSAC.load(tmp_path / "model")
    assert loaded.config == model.config and loaded.period_clock == model.period_clock
    with pytest.raises(ValueError, match=r"final_sparsity=0.9 was requested, but the saved model holds final_sparsity=0.7"):
        PolyPruneSAC.load(tmp_path / "model", final_sparsity=0.9)


def test_a_file_of_another_format_version_gets_a_clear_error(tmp_path):
    import json
    import zipfile

    from sbx_eaudeqn.persistence.checkpoints import ALGORITHM_ENTRY, FORMAT_VERSION, UnknownFormatError

    model = EauDeSAC("MlpPolicy", "Pendulum-v1", population_size=2, learning_starts=10, buffer_size=100,
                     policy_kwargs=dict(net_arch=[8]))
    model.save(tmp_path / "model.zip")
    with zipfile.ZipFile(tmp_path / "model.zip") as archive:
        assert json.loads(archive.read(ALGORITHM_ENTRY))["format"] == FORMAT_VERSION
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries[ALGORITHM_ENTRY] = json.dumps({"algorithm": "EauDeSAC", "format": FORMAT_VERSION + 1}).encode()
    with zipfile.ZipFile(tmp_path / "future.zip", "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.raises(UnknownFormatError, match=f"format version {FORMAT_VERSION + 1}.*reads format version {FORMAT_VERSION}"):
        EauDeSAC.load(tmp_path / "future.zip")


@pytest.mark.parametrize("cls", [algorithm.cls() for algorithm in ALGORITHMS], ids=lambda cls: cls.__name__)
def test_each_class_refuses_the_action_space_its_family_cannot_act_in(cls):
    wrong, allowed = ("Pendulum-v1", "Discrete") if cls.family == "dqn" else ("CartPole-v1", "Box")
    with pytest.raises(ValueError, match=f"{cls.__name__} supports only {allowed} action spaces"):
        cls("MlpPolicy", wrong)
