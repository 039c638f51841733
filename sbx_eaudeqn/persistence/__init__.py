"""Saving and restarting: checkpoints that lose nothing on save, and warm starts from a dense agent."""
