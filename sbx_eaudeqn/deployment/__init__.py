"""Deployment: export of a trained agent to a sparse numpy policy, and that policy."""
