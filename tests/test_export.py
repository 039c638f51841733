"""Export and numpy-only inference: same actions as model.predict, compact files, clear errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from sbx_eaudeqn import EauDeDQN, EauDeSAC, PolyPruneSAC, SparsePolicy, export
from sbx_eaudeqn.core.pruning import apply_masks, dense_masks, grow_masks


def random_obs(model, n, seed=0):
    rng = np.random.default_rng(seed)
    space = model.observation_space
    if space.dtype == np.uint8:
        return rng.integers(0, 256, size=(n, *space.shape), dtype=np.uint8)
    return rng.normal(size=(n, *space.shape)).astype(np.float32)


def test_dqn_export_gives_the_same_actions(tmp_path):
    model = EauDeDQN("MlpPolicy", "CartPole-v1", population_size=2, policy_kwargs=dict(net_arch=[32]),
                     learning_starts=50, target_update_interval=20, target_updates_per_selection=1, seed=0)
    model.learn(300)
    policy = SparsePolicy.load(export(model, tmp_path / "dqn.npz"))
    obs = random_obs(model, 500)
    np.testing.assert_array_equal(policy.predict(obs)[0], model.predict(obs, deterministic=True)[0])
    single, _ = policy.predict(obs[0])
    assert single.shape == () and single == model.predict(obs[0], deterministic=True)[0]


def test_sac_export_matches_within_1e_5(tmp_path):
    model = PolyPruneSAC("MlpPolicy", "Pendulum-v1", policy_kwargs=dict(net_arch=[32, 32]), learning_starts=50,
                         seed=0)
    model.learn(150)
    policy = SparsePolicy.load(export(model, tmp_path / "sac"))
    obs = random_obs(model, 256)
    np.testing.assert_allclose(policy.predict(obs)[0], model.predict(obs, deterministic=True)[0], atol=1e-5)
    np.testing.assert_allclose(policy.predict(obs[3])[0], model.predict(obs[3], deterministic=True)[0], atol=1e-5)


def test_cnn_atari_export_gives_the_same_actions(tmp_path, monkeypatch):
    from sbx_eaudeqn.envs.atari import make_atari

    model = EauDeDQN("CnnPolicy", make_atari("ALE/Pong-v5", seed=0), population_size=1, buffer_size=200,
                     learning_starts=100, policy_kwargs=dict(net_arch=[32]), target_update_interval=50,
                     target_updates_per_selection=1, seed=0)
    model.learn(200)
    assert model.sparsity > 0  # the CNN has been pruned
    policy = SparsePolicy.load(export(model, tmp_path / "pong.npz"))
    obs = random_obs(model, 16)
    np.testing.assert_array_equal(policy.predict(obs)[0], model.predict(obs, deterministic=True)[0])
    frames = model.get_env().reset()
    np.testing.assert_array_equal(policy.predict(frames)[0], model.predict(frames, deterministic=True)[0])
    # Every kernel as a CSR matrix (small ones too), or every kernel dense: the same network.
    import scipy.sparse

    from sbx_eaudeqn.deployment import sparse_policy

    all_dense = SparsePolicy.load(tmp_path / "pong.npz", csr_max_density=0.0)
    monkeypatch.setattr(sparse_policy, "CSR_MIN_WEIGHTS", 0)
    all_sparse = SparsePolicy.load(tmp_path / "pong.npz", csr_max_density=1.0)
    assert all(scipy.sparse.issparse(kernel) for kernel in all_sparse.kernels.values())
    assert not any(scipy.sparse.issparse(kernel) for kernel in all_dense.kernels.values())
    np.testing.assert_allclose(all_sparse._forward(obs), all_dense._forward(obs), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"csr_max_density must be in \[0, 1\], got 1.5"):
        SparsePolicy.load(tmp_path / "pong.npz", csr_max_density=1.5)


def test_version_1_files_still_load(tmp_path):
    model = EauDeDQN("MlpPolicy", "CartPole-v1", population_size=1, policy_kwargs=dict(net_arch=[8]), seed=0)
    arrays = dict(np.load(export(model, tmp_path / "p.npz")))
    meta = json.loads(str(arrays["meta"]))
    np.savez(tmp_path / "v1.npz", **(arrays | {"meta": np.asarray(json.dumps(meta | {"version": 1}))}))
    np.savez(tmp_path / "v9.npz", **(arrays | {"meta": np.asarray(json.dumps(meta | {"version": 9}))}))
    obs = random_obs(model, 64)
    np.testing.assert_array_equal(SparsePolicy.load(tmp_path / "v1.npz").predict(obs)[0],
                                  model.predict(obs, deterministic=True)[0])
    with pytest.raises(ValueError, match="format version 9"):
        SparsePolicy.load(tmp_path / "v9.npz")


def test_sparse_file_is_smaller_than_dense(tmp_path):
    model = EauDeSAC("MlpPolicy", "Pendulum-v1", population_size=1, policy_kwargs=dict(net_arch=[64, 64]), seed=0)
    dense = export(model, tmp_path / "dense.npz").stat().st_size
    # Prune the actor to 90% by magnitude, as a sparse actor is, and export again.
    actor = model.policy.actor_state
    masks = grow_masks(actor.params, dense_masks(actor.params), 0.9)
    model.policy.actor_state = actor.replace(params=apply_masks(actor.params, masks))
    sparse = export(model, tmp_path / "sparse.npz").stat().st_size
    assert sparse < 0.35 * dense


def test_inference_imports_no_jax_flax_or_torch(tmp_path):
    model = EauDeDQN("MlpPolicy", "CartPole-v1", population_size=1, policy_kwargs=dict(net_arch=[8]))
    path = export(model, tmp_path / "p.npz")
    code = (f"import sys, numpy as np; from sbx_eaudeqn.deployment.sparse_policy import SparsePolicy;"
            f"SparsePolicy.load({str(path)!r}).predict(np.zeros(4, np.float32));"
            "print([m for m in ('jax', 'flax', 'torch', 'sbx', 'stable_baselines3') if m in sys.modules])")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_corrupt_or_foreign_files_get_clear_errors(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, meta=np.asarray(json.dumps({"format": "other"})))
    with pytest.raises(ValueError, match="not a sparse policy file"):
        SparsePolicy.load(foreign)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a sparse policy file"):
        SparsePolicy.load(garbage)
    with pytest.raises(FileNotFoundError):
        SparsePolicy.load(tmp_path / "missing.npz")


def test_command_line_export_of_a_saved_model(tmp_path):
    model = EauDeSAC("MlpPolicy", "Pendulum-v1", population_size=2, policy_kwargs=dict(net_arch=[16, 16]))
    model.save(tmp_path / "model")
    subprocess.run([sys.executable, "-m", "sbx_eaudeqn.cli.export", "--algo", "eaudesac", str(tmp_path / "model.zip"),
                    str(tmp_path / "out.npz")], check=True, capture_output=True)
    policy = SparsePolicy.load(tmp_path / "out.npz")
    obs = random_obs(model, 8)
    np.testing.assert_allclose(policy.predict(obs)[0], model.predict(obs, deterministic=True)[0], atol=1e-5)
