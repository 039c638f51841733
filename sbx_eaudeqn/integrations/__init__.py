"""RL Zoo 3 (with the bundled ``hyperparams/*.yml`` as package data), callbacks and plots."""
