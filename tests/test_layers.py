"""The package's folders are its layers: the pure-JAX core imports nothing from SB3, SBX or Gymnasium,
and no layer imports one above it."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).parent.parent / "sbx_eaudeqn"
# Each layer and the layers it may import (besides itself and the registry).
MAY_IMPORT = {
    "core": set(),
    "envs": set(),
    "deployment": set(),
    "persistence": {"core"},
    "algorithms": {"core", "envs", "persistence"},
    "integrations": {"core", "envs", "algorithms"},
    "cli": {"core", "envs", "algorithms", "persistence", "integrations", "deployment"},
}


def imported_modules(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_core_imports_nothing_from_sb3_sbx_or_gymnasium():
    for path in (PACKAGE / "core").glob("*.py"):
        foreign = {name for name in imported_modules(path) if name.split(".")[0] in ("sbx", "stable_baselines3", "gymnasium")}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_no_layer_imports_a_layer_above_it():
    for layer, allowed in MAY_IMPORT.items():
        for path in (PACKAGE / layer).glob("*.py"):
            ours = {name.split(".")[1] for name in imported_modules(path)
                    if name.startswith("sbx_eaudeqn.") and name.count(".") >= 1}
            above = ours - allowed - {layer, "registry"}
            assert not above, f"{layer}/{path.name} imports {sorted(above)}"
