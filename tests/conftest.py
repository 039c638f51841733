import os

# Tests run on the CPU with small networks; keep JAX from grabbing an accelerator or all threads.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
