"""Test helper, put on PYTHONPATH of a subprocess: records the size of every SB3 replay buffer it creates.

Each ``ReplayBuffer`` built appends its ``buffer_size`` to the file named by ``REPLAY_BUFFER_SPY``.
Nothing else changes: the buffer is built as usual.
"""

import os

if os.environ.get("REPLAY_BUFFER_SPY"):
    from stable_baselines3.common.buffers import ReplayBuffer

    _init = ReplayBuffer.__init__

    def _recording_init(self, buffer_size, *args, **kwargs):
        _init(self, buffer_size, *args, **kwargs)
        with open(os.environ["REPLAY_BUFFER_SPY"], "a") as spy:
            spy.write(f"{self.buffer_size}\n")

    ReplayBuffer.__init__ = _recording_init
