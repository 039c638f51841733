"""Figures of the sparsity schedule and of the returns, from training logs.

``python -m sbx_eaudeqn.cli.plot LOGDIR`` finds every run under LOGDIR (RL Zoo run folders, folders of
``SparsityHistoryCallback`` or SB3 CSV logs) and writes ``sparsity_schedule.png`` and ``returns.png``
in LOGDIR. A run's sparsity comes from ``sparsity.csv`` or the ``train/sparsity`` column of an SB3
``progress.csv``; its returns from ``*.monitor.csv`` files.
"""

from __future__ import annotations

import argparse

from sbx_eaudeqn.integrations.plot import plot_logs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logdir")
    parser.add_argument("--window", type=int, default=10, help="episodes in the rolling mean of returns")
    args = parser.parse_args(argv)
    for path in plot_logs(args.logdir, args.window):
        print(f"written: {path}")


if __name__ == "__main__":
    main()
