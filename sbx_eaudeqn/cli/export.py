"""``python -m sbx_eaudeqn.cli.export --algo eaudesac model.zip policy.npz``: a saved model as a sparse
numpy policy (:func:`sbx_eaudeqn.deployment.exporting.export`)."""

from __future__ import annotations

import argparse

from sbx_eaudeqn.deployment.exporting import export
from sbx_eaudeqn.registry import BY_NAME, SBX_PARENTS, algorithm_class


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export a saved SBX/sbx-eaudeqn model as a sparse numpy policy.")
    parser.add_argument("--algo", required=True, choices=sorted([*BY_NAME, *SBX_PARENTS]),
                        help="the algorithm that saved it")
    parser.add_argument("model", help="a model .zip (model.save or rl_zoo3 train)")
    parser.add_argument("out", help="the .npz file to write")
    args = parser.parse_args(argv)
    model = algorithm_class(args.algo).load(args.model, buffer_size=1)
    path = export(model, args.out)
    print(f"sparse policy written: {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
