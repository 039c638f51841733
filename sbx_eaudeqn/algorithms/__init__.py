"""The algorithms: the population mixin, the EauDe and PolyPrune layers, each SBX family, each thin class.

Each class subclasses its SBX parent (``sbx.DQN``, ``sbx.SAC``, ...) and replaces its online critic by a
population from :mod:`sbx_eaudeqn.core`.
"""
