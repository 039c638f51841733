"""The command-line entry points (``python -m sbx_eaudeqn.cli.<name>``)."""
