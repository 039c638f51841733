"""``sbx-eaudeqn-zoo <train|enjoy|plot_train|...> ...``: RL Zoo's command line with our algorithms
registered (the ``rl_zoo3`` command does the same through the start-up hook)."""

from __future__ import annotations

import sys

from sbx_eaudeqn.integrations.zoo import register


def main() -> None:
    """``sbx-eaudeqn-zoo <train|enjoy|plot_train|...> ...``: register, then run RL Zoo's command line."""
    register()
    import rl_zoo3.cli

    rl_zoo3.cli.enjoy = rl_zoo3.enjoy.enjoy  # cli may have bound the unwrapped function already
    rl_zoo3.cli.main()


if __name__ == "__main__":
    sys.exit(main())
