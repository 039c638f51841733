"""Sparse export vs dense: file size, and numpy ``SparsePolicy.predict`` latency vs SBX ``model.predict``.

The acting network is pruned to ``--sparsity`` by magnitude (layerwise), as a trained sparse agent's
would be, then exported. The dense baseline stores the same network's kernels and biases as float32
(an uncompressed npz). Latency is the median over repeated calls at batch 1 and batch 256.

    python benchmarks/inference.py --sparsity 0.9 --out docs/results/inference.md
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import tempfile
import time

import jax
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
    from sbx_eaudeqn.pruning import apply_masks, dense_masks, grow_masks

    return apply_masks(params, grow_masks(params, dense_masks(params), np.float32(sparsity)))


def _cases(sparsity: float):
    from sbx_eaudeqn import EauDeDQN, EauDeSAC
    from sbx_eaudeqn.atari import make_atari

    sac = EauDeSAC("MlpPolicy", "HalfCheetah-v5", population_size=1, seed=0)
    sac.policy.actor_state = sac.policy.actor_state.replace(params=_prune(sac.policy.actor_state.params, sparsity))
    yield "SAC actor 256x256, HalfCheetah-v5", sac, sac.policy.actor_state.params
    for name, width in (("medium", 512), ("large", 2048)):
        dqn = EauDeDQN("CnnPolicy", make_atari("PongNoFrameskip-v4"), population_size=1, buffer_size=10,
                       policy_kwargs=dict(net_arch=[width]), seed=0)
        dqn.policy.qf_state = dqn.policy.qf_state.replace(params=_prune(dqn.policy.qf_state.params, sparsity))
        yield f"DQN Nature CNN, {name} head ({width}), Pong", dqn, dqn.policy.qf_state.params


def main() -> None:
    from sbx_eaudeqn import SparsePolicy, export

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sparsity", type=float, default=0.9)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rows = ["| network | sparse file / dense file | batch 1: SparsePolicy / SBX predict (ms) | batch 256: SparsePolicy / SBX predict (ms) |",
            "|---|---|---|---|"]
    folder = pathlib.Path(tempfile.mkdtemp())
    for name, model, params in _cases(args.sparsity):
        sparse_path = export(model, folder / "sparse.npz")
        dense_path = folder / "dense.npz"
        # A dense export stores every weight as float32.
        np.savez(dense_path, *[np.asarray(leaf, dtype=np.float32) for leaf in jax.tree_util.tree_leaves(params)])
        size_ratio = sparse_path.stat().st_size / dense_path.stat().st_size
        policy = SparsePolicy.load(sparse_path)
        cells = []
        for batch in (1, 256):
            space = model.observation_space
            obs = (np.random.default_rng(0).integers(0, 256, (batch, *space.shape), dtype=np.uint8)
                   if space.dtype == np.uint8 else np.random.default_rng(0).normal(size=(batch, *space.shape)).astype(np.float32))
            repeats = args.repeats if batch == 1 or space.dtype != np.uint8 else max(args.repeats // 20, 5)
            ours = _median_ms(lambda: policy.predict(obs), repeats)
            sbx = _median_ms(lambda: model.predict(obs, deterministic=True), repeats)
            cells.append(f"{ours / sbx:.2f} ({ours:.3f} / {sbx:.3f})")
        rows.append(f"| {name} | {size_ratio:.3f} ({sparse_path.stat().st_size} / {dense_path.stat().st_size} B) "
                    f"| {cells[0]} | {cells[1]} |")
        print(rows[-1], flush=True)
    text = f"Sparsity {args.sparsity} (layerwise magnitude pruning of every kernel).\n\n" + "\n".join(rows)
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(
            f"Command: python benchmarks/inference.py --sparsity {args.sparsity}\n\n{text}\n")


if __name__ == "__main__":
    main()
