"""Installs and imports are quiet: an SPDX license, no setuptools banner, no warning from our code."""

import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).parent.parent

# Warnings we know of and do not cause; anything else seen at import or learn is a defect.
# tensorflow_probability (imported by SBX) uses a deprecated jax.core name; Python's default filters
# hide it outside test runners.
THIRD_PARTY_WARNINGS = ("jax.core.pytype_aval_mappings is deprecated",)


def setuptools_version() -> tuple[int, ...]:
    try:
        import setuptools
    except ImportError:
        return (0,)
    return tuple(int(part) for part in setuptools.__version__.split(".")[:2] if part.isdigit())


@pytest.mark.skipif(setuptools_version() < (77,), reason="building needs setuptools>=77 (the build-system requires)")
def test_wheel_builds_without_warnings_and_declares_an_spdx_license(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Deprecat" not in output and "!!" not in output, output  # setuptools' banners start with !!
    (wheel,) = tmp_path.glob("sbx_eaudeqn-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(name for name in names if name.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata
    # The RL Zoo start-up hook and the hyperparameter files are in the wheel.
    assert "sbx_eaudeqn_zoo.pth" in names and "sbx_eaudeqn/integrations/hyperparams/eaudesac.yml" in names


WARNING_PROBE = """
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import sbx_eaudeqn
    from sbx_eaudeqn import EauDeDQN, EauDeSAC, PolyPruneDQN, PolyPruneSAC, EauDeCQL, SparsePolicy, export
    import sbx_eaudeqn.integrations.callbacks, sbx_eaudeqn.integrations.plot, sbx_eaudeqn.integrations.zoo
    small = lambda: dict(policy_kwargs=dict(net_arch=[8]), learning_starts=20, buffer_size=200)
    EauDeSAC("MlpPolicy", "Pendulum-v1", population_size=2, **small()).learn(50)  # default periods: no warning
    EauDeDQN("MlpPolicy", "CartPole-v1", population_size=2, **small()).learn(50)
for warning in caught:
    print(f"WARNING {warning.category.__name__}: {warning.message} ({warning.filename}:{warning.lineno})")
"""


def test_no_warning_at_import_or_learn(tmp_path):
    env = os.environ | {"JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", WARNING_PROBE], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stdout.splitlines() if line.startswith("WARNING")]
    unexpected = [line for line in warnings if not any(known in line for known in THIRD_PARTY_WARNINGS)]
    assert unexpected == []
