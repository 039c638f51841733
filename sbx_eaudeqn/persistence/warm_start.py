"""Start EauDe or PolyPrune from a dense SBX model you already trained (``from_dense``).

``EauDeSAC.from_dense("sac_pendulum.zip", env)`` builds an EauDeSAC whose every critic is the trained
critic, with the trained actor, entropy coefficient and target critic, and continues training from
there: selections then prune copies of the trained critic while it keeps fitting its target, so the
sparsity is discovered on a network that already works. The same classmethod exists on every
algorithm of the package (EauDeDQN and PolyPruneDQN from an SBX DQN, EauDeCQL from an SBX DQN, ...).
"""

from __future__ import annotations

import inspect
import json
import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from stable_baselines3.common.buffers import ReplayBuffer

from sbx_eaudeqn.core.clock import target_update_env_steps
from sbx_eaudeqn.core.critic_state import critic_extra, critic_opt_states, critic_params, is_state
from sbx_eaudeqn.persistence.checkpoints import algorithm_name, opened_zip, saved_algorithm

# Constructor arguments never carried over from the dense model.
_NOT_CARRIED = {"self", "policy", "env", "seed", "device", "_init_setup_model"}
# Constructor arguments that SBX keeps under another attribute name.
_ATTRIBUTE_OF = {"ent_coef": "ent_coef_init", "stats_window_size": "_stats_window_size"}


def sbx_parent(cls: type) -> type:
    """The SBX algorithm class an algorithm of this package extends (``sbx.SAC`` for EauDeSAC, ...)."""
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] == "sbx":
            return klass
    raise TypeError(f"{cls.__name__} does not extend an SBX algorithm")


def _leaves_with_shapes(tree: Any) -> tuple[Any, list[tuple[tuple[int, ...], str]]]:
    leaves, structure = jax.tree_util.tree_flatten(tree)
    return structure, [(tuple(np.shape(leaf)), str(jnp.asarray(leaf).dtype)) for leaf in leaves]


def _same_layout(a: Any, b: Any) -> bool:
    """True when two trees have the same structure and leaves of the same shapes and dtypes."""
    return _leaves_with_shapes(a) == _leaves_with_shapes(b)


def _shapes(tree: Any) -> list[tuple[int, ...]]:
    return [tuple(np.shape(leaf)) for leaf in jax.tree_util.tree_leaves(tree)]


def _stack(tree: Any, size: int) -> Any:
    """``size`` copies of every leaf, stacked on a new leading axis."""
    return jax.tree_util.tree_map(lambda leaf: jnp.broadcast_to(jnp.asarray(leaf), (size, *np.shape(leaf))), tree)


def _first(tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda leaf: leaf[0], tree)


def dense_hyperparameters(dense: Any, cls: type) -> dict[str, Any]:
    """The dense model's constructor arguments that ``cls`` accepts, as the dense model used them.

    DQN's ``target_update_interval`` is given back in environment steps (SBX divides it by the number
    of environments), and ``exploration_initial_eps`` starts where the dense model's schedule ended,
    so that a trained agent does not go back to acting at random.
    """
    parent = sbx_parent(cls)
    hyperparameters = {}
    for name in inspect.signature(parent.__init__).parameters:
        attribute = _ATTRIBUTE_OF.get(name, name)
        if name in _NOT_CARRIED or not hasattr(dense, attribute):
            continue
        hyperparameters[name] = getattr(dense, attribute)
    if "target_update_interval" in hyperparameters:
        hyperparameters["target_update_interval"] = target_update_env_steps(dense)
    if "exploration_initial_eps" in hyperparameters and hasattr(dense, "exploration_final_eps"):
        hyperparameters["exploration_initial_eps"] = float(dense.exploration_final_eps)
    if isinstance(hyperparameters.get("policy_kwargs"), dict):
        hyperparameters["policy_kwargs"] = dict(hyperparameters["policy_kwargs"])
    return hyperparameters


def _load_dense(cls: type, dense: Any) -> Any:
    """The dense SBX model that ``dense`` is or names (a zip is loaded without its replay buffer)."""
    parent = sbx_parent(cls)
    expected = algorithm_name(cls)
    if isinstance(dense, (str, os.PathLike)):
        found = saved_algorithm(dense)
        if not found.startswith("a dense "):
            raise ValueError(
                f"{expected}.from_dense needs a dense SBX {parent.__name__} model, but {os.fspath(dense)!r} was saved "
                f"by {found}; load it with {found}.load to continue it"
            )
        if not found.startswith(f"a dense SBX {parent.__name__} "):
            raise ValueError(f"{expected}.from_dense needs a dense SBX {parent.__name__} model, but "
                             f"{os.fspath(dense)!r} holds {found}")
        with opened_zip(dense) as archive:  # the buffer size it was trained with, before loading without it
            buffer_size = json.loads(archive.read("data")).get("buffer_size")
        model = parent.load(dense, buffer_size=1)
        if isinstance(buffer_size, int):
            model.buffer_size = buffer_size
        return model
    if getattr(dense, "population", None) is not None:
        raise ValueError(f"{expected}.from_dense needs a dense SBX {parent.__name__} model, got a "
                         f"{type(dense).__name__}, which is already one of ours")
    if not isinstance(dense, parent):
        raise ValueError(f"{expected}.from_dense needs a dense SBX {parent.__name__} model (or the path of "
                         f"its zip), got {type(dense).__name__}")
    return dense


class WarmStartMixin:
    """``from_dense``: an EauDe/PolyPrune model whose every member starts from a trained dense model."""

    @classmethod
    def from_dense(cls, dense: Any, env: Any = None, replay_buffer: Any = None, **kwargs: Any):
        """An algorithm of this class that starts where a trained dense SBX model is.

        * Every member of the population is the dense model's trained online network (its critic, TQC's
          pair of quantile critics, CrossQ's critic with its batch statistics; the Q-network for DQN and
          CQL), with the dense optimizer state, so training goes on smoothly; masks are dense and
          pruning starts with the first selection or pruning event.
        * The target network comes over where the algorithm has one (CrossQ has none); for the
          actor-critic algorithms also the actor (with its optimizer state, TD3's target actor and
          CrossQ's batch statistics) and the entropy coefficient of SAC, TQC and CrossQ (unless
          ``ent_coef`` is given in another form).
        * Every constructor argument of the SBX parent (``policy_kwargs``, ``learning_rate``,
          ``gamma``, ``batch_size``, ``train_freq``, ...) defaults to the dense model's; ``kwargs``
          override them and set ours (``population_size``, ``sparsity_scale``, ``final_sparsity``...).
          The network architecture must stay the same. DQN's exploration starts at the dense model's
          final epsilon (``exploration_initial_eps`` overrides it).
        * Time restarts at 0: Eq. 3 and the PolyPrune schedule read the ``total_timesteps`` of the next
          ``learn`` as the length of the fine-tuning.

        :param dense: a trained SBX model of this algorithm's parent class (``sbx.SAC`` for the SAC
            algorithms, ``sbx.DQN`` for the DQN and CQL ones), or the path of its zip.
        :param env: the environment to train on; by default the dense model's own (a model loaded from
            a path has none, so then it is required).
        :param replay_buffer: None (start with an empty buffer), a file written by
            ``save_replay_buffer``, an SB3 ``ReplayBuffer``, or True for the dense model's own buffer
            (shared, not copied). With a buffer, ``learning_starts`` defaults to 0.
        :raises ValueError: ``dense`` is not a dense model of the parent class, no env, or a network
            that does not match the dense one.
        """
        dense = _load_dense(cls, dense)
        name = algorithm_name(cls)
        if env is None:
            env = dense.get_env()
            if env is None:
                raise ValueError(f"{name}.from_dense: pass env (a model loaded from a file has no environment)")
        buffer = replay_buffer
        if buffer is True:
            buffer = getattr(dense, "replay_buffer", None)
            if buffer is None or buffer.buffer_size <= 1:
                raise ValueError(f"{name}.from_dense: replay_buffer=True needs a dense model that holds its buffer; "
                                 "pass the file written by its save_replay_buffer instead")
        arguments = dense_hyperparameters(dense, cls)
        if buffer is not None:
            arguments["learning_starts"] = 0
        arguments.update(kwargs)
        model = cls(dense.policy_class, env, **arguments)
        _copy_dense_state(model, dense, name)
        if isinstance(buffer, (str, os.PathLike)):
            model.load_replay_buffer(buffer)
        elif buffer is not None:
            if not isinstance(buffer, ReplayBuffer):
                raise ValueError(f"{name}.from_dense: replay_buffer must be a save_replay_buffer file, an SB3 "
                                 f"ReplayBuffer or True, got {type(buffer).__name__}")
            if buffer.obs_shape != model.replay_buffer.obs_shape:
                raise ValueError(f"{name}.from_dense: the replay buffer holds observations of shape "
                                 f"{buffer.obs_shape}, the env gives {model.replay_buffer.obs_shape}")
            model.replay_buffer = buffer
        return model


# The trained fields of a flax TrainState that come over from the dense model, where the state has them:
# parameters, target parameters (none on CrossQ's critic) and batch statistics (CrossQ's BatchNormTrainState).
_TRAINED_FIELDS = ("params", "target_params", "batch_stats")


def _with_trained_fields(state: Any, source: Any) -> Any:
    """``state`` with the trained fields of ``source`` that it has (its ``apply_fn`` and optimizer stay)."""
    return state.replace(**{field: getattr(source, field) for field in _TRAINED_FIELDS
                            if hasattr(state, field) and hasattr(source, field)})


def _copy_dense_state(model: Any, dense: Any, name: str) -> None:
    """Put the dense model's trained networks into ``model`` (see ``from_dense``).

    The dense critic state(s) are read with the algorithm's own hook (``_critic_of``, the one TQC
    answers with its two critic states), so every algorithm warms the way it trains.
    """
    dense_critic = model._critic_of(dense.policy)
    population = model.population
    dense_params = critic_params(dense_critic)
    if not _same_layout(_first(population.params), dense_params):
        raise ValueError(
            f"{name}.from_dense: the dense network (weight shapes {_shapes(dense_params)}) differs from "
            f"{name}'s (weight shapes {_shapes(_first(population.params))}); keep the dense model's "
            "policy_kwargs (net_arch)"
        )
    size = model.population_size
    opt_state = population.opt_state
    dense_opt_state = critic_opt_states(dense_critic)
    if _same_layout(_first(opt_state), dense_opt_state):
        opt_state = _stack(dense_opt_state, size)
    extra = population.extra
    dense_extra = critic_extra(dense_critic)
    if extra is not None and dense_extra is not None:
        if not _same_layout(_first(extra), dense_extra):
            raise ValueError(f"{name}.from_dense: the dense batch statistics (shapes {_shapes(dense_extra)}) differ "
                             f"from {name}'s; keep the dense model's policy_kwargs")
        extra = _stack(dense_extra, size)
    model.population = population.replace(params=_stack(dense_params, size), opt_state=opt_state, extra=extra)
    model._set_critic(jax.tree_util.tree_map(_with_trained_fields, model._critic(), dense_critic, is_leaf=is_state))

    actor_state = getattr(model.policy, "actor_state", None)
    if actor_state is not None:
        dense_actor = dense.policy.actor_state
        if not _same_layout(actor_state.params, dense_actor.params):
            raise ValueError(f"{name}.from_dense: the dense actor (weight shapes {_shapes(dense_actor.params)}) "
                             f"differs from {name}'s; keep the dense model's policy_kwargs (net_arch)")
        actor_state = _with_trained_fields(actor_state, dense_actor)
        if _same_layout(actor_state.opt_state, dense_actor.opt_state):
            actor_state = actor_state.replace(opt_state=dense_actor.opt_state)
        model.policy.actor_state = actor_state
    ent_coef_state = getattr(model, "ent_coef_state", None)
    dense_ent_coef = getattr(dense, "ent_coef_state", None)
    if (ent_coef_state is not None and dense_ent_coef is not None
            and _same_layout((ent_coef_state.params, ent_coef_state.opt_state),
                             (dense_ent_coef.params, dense_ent_coef.opt_state))):
        model.ent_coef_state = ent_coef_state.replace(params=dense_ent_coef.params, opt_state=dense_ent_coef.opt_state)
