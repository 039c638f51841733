"""Finite gradients through SBX's ``BatchRenorm`` when a pruned unit is constant over the batch.

CrossQ normalises every hidden layer with SBX's ``BatchRenorm``. In training mode it computes
``sqrt(batch_var)`` for its renormalisation terms, whose derivative is infinite when a feature has zero
variance over the minibatch; multiplied by the zero of the warm-up switch (or by a pruned weight) that
gives NaN, which then spreads to every parameter upstream. A dense network rarely has a feature constant
over a whole batch; a pruned one has one as soon as a unit has lost all its incoming weights (its output
is then ``relu(bias)`` for every sample), or a unit with one or two inputs left is dead on the whole
batch. Measured before this guard: PolyPruneCrossQ with the bundled Pendulum-v1 settings returned NaN
actions from 0.58 sparsity on (``studies/families_pendulum/``).

The guard sets to zero the non-finite entries of the gradient that reaches a ``BatchRenorm`` input.
For both kinds of constant feature the exact gradient that reaches a parameter through that entry is
zero anyway: a dead unit's ReLU has zero slope, and a unit that lost its incoming weights has only its
bias left, whose gradient through batch statistics sums to zero over the batch. SBX's modules are
used as they are: flax's method interceptor wraps their ``BatchRenorm`` calls (SBX gives no other hook
into them, and copying its Critic and Actor would fork them).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
from sbx.common.jax_layers import BatchRenorm


@jax.custom_vjp
def _finite_gradient(x: jax.Array) -> jax.Array:
    """The identity, whose backward pass replaces NaN and infinite cotangents by zero."""
    return x


def _forward(x: jax.Array) -> tuple[jax.Array, None]:
    return x, None


def _backward(_: None, cotangent: jax.Array) -> tuple[jax.Array]:
    return (jnp.where(jnp.isfinite(cotangent), cotangent, 0.0),)


_finite_gradient.defvjp(_forward, _backward)


def _guard_batch_renorm(next_fun: Callable, args: tuple, kwargs: dict, context: Any) -> Any:
    if isinstance(context.module, BatchRenorm) and context.method_name == "__call__":
        args = (_finite_gradient(args[0]), *args[1:])
    return next_fun(*args, **kwargs)


def _guarded_apply(apply_fn: Callable, *args: Any, **kwargs: Any) -> Any:
    with nn.intercept_methods(_guard_batch_renorm):
        return apply_fn(*args, **kwargs)


def guard_batch_renorm(state: Any) -> Any:
    """``state`` (a flax TrainState) whose ``apply_fn`` keeps gradients through ``BatchRenorm`` finite."""
    return state.replace(apply_fn=functools.partial(_guarded_apply, state.apply_fn))
