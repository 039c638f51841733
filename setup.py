"""Packaging steps that pyproject.toml metadata cannot express; everything else is in pyproject.toml.

The RL Zoo start-up hook, ``sbx_eaudeqn_zoo.pth``, must sit at the top of site-packages, after a
regular install and after an editable one (``pip install -e .``) alike. (The bundled hyperparameter
files are package data, declared in pyproject.toml.)
"""

import pathlib

from setuptools import setup
from setuptools.command.build_py import build_py

PTH_FILE = "sbx_eaudeqn_zoo.pth"


class BuildPyWithZooFiles(build_py):
    """build_py that also places the start-up hook."""

    def _extra_files(self) -> list[tuple[pathlib.Path, pathlib.Path]]:
        build = pathlib.Path(self.build_lib)
        return [(pathlib.Path(PTH_FILE), build / PTH_FILE)]

    def run(self) -> None:
        super().run()
        for source, target in self._extra_files():
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target), preserve_mode=False)
        if getattr(self, "editable_mode", False):
            self._add_hook_to_editable_wheel()

    def _add_hook_to_editable_wheel(self) -> None:
        """``pip install -e .``: put the start-up hook at the root of the editable wheel as well.

        An editable wheel maps the packages and modules to this checkout and ignores what build_py
        writes to ``build_lib``. For editable builds setuptools points the ``install`` command's
        ``install_lib`` at the root of the wheel being assembled (where non-linked files go), so a
        file placed there lands at the top of site-packages, where Python runs ``.pth`` files.
        """
        wheel_root = pathlib.Path(self.get_finalized_command("install").install_lib)
        self.copy_file(PTH_FILE, str(wheel_root / PTH_FILE), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *(str(target) for _, target in self._extra_files())]


setup(cmdclass={"build_py": BuildPyWithZooFiles})
