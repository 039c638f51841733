"""Environments with their standard networks and wrappers: Atari and MinAtar."""
