"""Sparse export vs dense: file size, and batch-1 / batch-256 latency of three ways to act with one network.

* **SBX**: ``model.predict(obs, deterministic=True)`` (JAX, jitted);
* **numpy dense**: the exported network in :class:`SparsePolicy` with every product dense
  (``csr_max_density=0``): what leaving JAX's dispatch alone gives;
* **SparsePolicy**: the default (CSR products for kernels of at least 1M weights at most 5% dense,
  dense products otherwise): SparsePolicy / numpy dense is the gain from sparsity itself.

A second table measures that rule: scipy's CSR product against numpy's dense one on random kernels of
the sizes these networks hold, by density and batch size.

The acting network is pruned to ``--sparsity`` by magnitude with one global threshold (the scope
EauDe prunes with by default, so conv kernels end denser than the large dense layers, as a trained agent's
do), then exported. The dense file stores the same kernels and biases as float32 (an uncompressed npz).
Latency is the median over repeated calls. Ratios are measured in the same run (absolute times on a
shared CPU mean little).

    python -m benchmarks.inference --sparsity 0.9 0.95 --out studies/inference/inference.md
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import tempfile
import time

import numpy as np


def _median_ms(fn, repeats: int) -> float:
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return 1000 * statistics.median(samples)


def _prune(params, sparsity):
    from sbx_eaudeqn.core.pruning import apply_masks, dense_masks, grow_masks

    return apply_masks(params, grow_masks(params, dense_masks(params), np.float32(sparsity), prune_scope="global"))


def _cases(sparsity: float):
    """(name, model, acting params) for each network, its acting network pruned to ``sparsity``."""
    from sbx_eaudeqn import EauDeDQN, EauDeSAC
    from sbx_eaudeqn.envs.atari import make_atari
    from sbx_eaudeqn.envs.minatar import MINATAR_HEAD_SIZES, register_minatar_envs

    sac = EauDeSAC("MlpPolicy", "HalfCheetah-v5", population_size=1, seed=0)
    sac.policy.actor_state = sac.policy.actor_state.replace(params=_prune(sac.policy.actor_state.params, sparsity))
    yield "SAC actor 256x256, HalfCheetah-v5", sac, sac.policy.actor_state.params
    for name, width in (("medium", 512), ("large", 2048)):
        dqn = EauDeDQN("CnnPolicy", make_atari("PongNoFrameskip-v4"), population_size=1, buffer_size=10,
                       policy_kwargs=dict(net_arch=[width]), seed=0)
        dqn.policy.qf_state = dqn.policy.qf_state.replace(params=_prune(dqn.policy.qf_state.params, sparsity))
        yield f"DQN Nature CNN, {name} head ({width}), Pong", dqn, dqn.policy.qf_state.params
    if register_minatar_envs():
        for name in ("medium", "large"):
            width = MINATAR_HEAD_SIZES[name]
            dqn = EauDeDQN("MinAtarPolicy", "MinAtar/Breakout-v1", population_size=1, buffer_size=10,
                           policy_kwargs=dict(net_arch=[width]), seed=0)
            dqn.policy.qf_state = dqn.policy.qf_state.replace(params=_prune(dqn.policy.qf_state.params, sparsity))
            yield f"DQN MinAtar net, {name} head ({width}), Breakout", dqn, dqn.policy.qf_state.params


def _observations(space, batch: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    if space.dtype == np.uint8:
        return rng.integers(0, 256, (batch, *space.shape), dtype=np.uint8)
    if space.dtype == np.bool_:
        return rng.random((batch, *space.shape)) < 0.1
    return rng.normal(size=(batch, *space.shape)).astype(np.float32)


def _densities(policy) -> str:
    """Share of weights kept, per weighted layer, with ``*`` on those multiplied as CSR."""
    import scipy.sparse

    cells = []
    for key, weight in policy.weights.items():
        density = weight.nnz / (weight.shape[0] * weight.shape[1])
        cells.append(f"{density:.2f}{'*' if scipy.sparse.issparse(policy.kernels[key]) else ''}")
    return " ".join(cells)


def network_rows(sparsity: float, repeats: int) -> list[str]:
    """One row per network and batch size: size and latency ratios (see the module docstring)."""
    import jax

    from sbx_eaudeqn import SparsePolicy, export

    rows = []
    folder = pathlib.Path(tempfile.mkdtemp())
    for name, model, params in _cases(sparsity):
        sparse_path = export(model, folder / "sparse.npz")
        dense_path = folder / "dense.npz"
        np.savez(dense_path, *[np.asarray(leaf, dtype=np.float32) for leaf in jax.tree_util.tree_leaves(params)])
        size_ratio = sparse_path.stat().st_size / dense_path.stat().st_size
        sparse, dense = SparsePolicy.load(sparse_path), SparsePolicy.load(sparse_path, csr_max_density=0.0)
        for batch in (1, 256):
            obs = _observations(model.observation_space, batch)
            calls = repeats if batch == 1 else max(repeats // 20, 5)
            ours, numpy_dense, sbx = (_median_ms(fn, calls) for fn in (
                lambda: sparse.predict(obs), lambda: dense.predict(obs), lambda: model.predict(obs, deterministic=True)))
            rows.append(f"| {sparsity} | {name} | {_densities(sparse)} | {size_ratio:.3f} | {batch} | **{ours / sbx:.2f}** "
                        f"| {ours / numpy_dense:.2f} | {numpy_dense / sbx:.2f} | {ours:.3f}, {numpy_dense:.3f}, {sbx:.3f} |")
            print(rows[-1], flush=True)
    return rows


DENSITIES = (0.2, 0.1, 0.05, 0.02, 0.01)


def crossover_rows(repeats: int) -> list[str]:
    """scipy CSR / numpy dense time of ``rows @ kernel``, random kernels, by shape, batch and density."""
    import scipy.sparse

    rng = np.random.default_rng(0)
    rows = []
    for n_in, n_out in ((256, 256), (1024, 128), (1024, 512), (3136, 512), (3136, 2048)):
        for batch in (1, 256):
            x = rng.random((batch, n_in), dtype=np.float32)
            calls = repeats if batch == 1 else max(repeats // 5, 5)
            cells = []
            for density in DENSITIES:
                weight = scipy.sparse.random(n_out, n_in, density=density, format="csr", dtype=np.float32, random_state=0)
                csc, dense = weight.T, np.ascontiguousarray(weight.toarray().T)
                cells.append(f"{_median_ms(lambda: x @ csc, calls) / _median_ms(lambda: x @ dense, calls):.2f}")
            rows.append(f"| {n_in} x {n_out} | {batch} | {' | '.join(cells)} |")
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sparsity", type=float, nargs="+", default=[0.9, 0.95])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    networks = ["| sparsity | network | layer densities (* = CSR) | sparse file / dense file | batch | SparsePolicy / SBX "
                "| SparsePolicy / numpy dense | numpy dense / SBX | ms: SparsePolicy, numpy dense, SBX |",
                "|---|---|---|---|---|---|---|---|---|"]
    for sparsity in args.sparsity:
        networks += network_rows(sparsity, args.repeats)
    crossover = ["| kernel (in x out) | batch | " + " | ".join(f"density {d}" for d in DENSITIES) + " |",
                 "|---|---|" + "---|" * len(DENSITIES)] + crossover_rows(args.repeats)
    text = ("Networks pruned by global magnitude to each sparsity; ratios below 1: the first is faster.\n\n"
            + "\n".join(networks) + "\n\nscipy CSR product / numpy dense product (below 1: CSR faster).\n\n"
            + "\n".join(crossover))
    print(text)
    if args.out:
        command = f"python -m benchmarks.inference --sparsity {' '.join(map(str, args.sparsity))}"
        pathlib.Path(args.out).write_text(f"Command: {command}\n\n{text}\n")


if __name__ == "__main__":
    main()
