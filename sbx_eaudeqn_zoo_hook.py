"""Start-up hook that registers sbx-eaudeqn with RL Zoo 3 (loaded by ``sbx_eaudeqn_zoo.pth``).

RL Zoo has no plugin entry point, and ``rl_zoo3 train`` validates ``--algo`` before it imports any
``--gym-packages``, so the algorithms must be registered before the zoo parses its arguments. Python
runs ``.pth`` files at interpreter start, before ``sys.argv`` exists, so this hook only installs a
finder that waits for ``import rl_zoo3``: once that module has run, ``sbx_eaudeqn.integrations.zoo.register()``
adds the algorithms. Programs that never import rl_zoo3 pay one string comparison per import and
import neither jax nor sbx; without rl_zoo3 installed nothing happens. Installing twice is a no-op.
"""

import importlib.abc
import importlib.util
import sys
import warnings


class ZooRegistrationFinder(importlib.abc.MetaPathFinder):
    """Meta-path finder that registers sbx-eaudeqn right after ``rl_zoo3`` is imported."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "rl_zoo3":
            return None
        sys.meta_path.remove(self)  # one shot, and no recursion into this finder
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_module = spec.loader.exec_module

        def exec_then_register(module):
            run_module(module)
            try:
                from sbx_eaudeqn.integrations.zoo import register

                register()
            except Exception as error:  # never break rl_zoo3 itself
                warnings.warn(f"sbx-eaudeqn could not register with RL Zoo: {error!r}", stacklevel=2)

        spec.loader.exec_module = exec_then_register
        return spec


def install() -> None:
    """Put the finder first on ``sys.meta_path`` unless rl_zoo3 is loaded already or it is there."""
    if "rl_zoo3" in sys.modules:
        return
    if not any(type(finder).__name__ == "ZooRegistrationFinder" for finder in sys.meta_path):
        sys.meta_path.insert(0, ZooRegistrationFinder())


install()
