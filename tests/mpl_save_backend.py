"""Matplotlib backend for the tests: ``plt.show()`` writes every open figure to $FIGURE_DIR as PNG."""

import os

import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg as FigureCanvas  # noqa: F401


def show(*args, **kwargs):
    for number in plt.get_fignums():
        plt.figure(number).savefig(os.path.join(os.environ["FIGURE_DIR"], f"figure_{number}.png"))
