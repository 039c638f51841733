"""Start EauDe or PolyPrune from a dense model you already trained (``from_dense``)."""

from __future__ import annotations


class WarmStartMixin:
    """``from_dense``: an EauDe/PolyPrune model whose every member starts from a trained dense model."""
