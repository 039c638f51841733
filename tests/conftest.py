import os

# Tests run on the CPU with small networks; keep JAX from grabbing an accelerator or all threads.
os.environ.setdefault("JAX_PLATFORMS", "cpu")

# No persistent JAX compilation cache: with one shared by the two xdist workers and their subprocesses,
# JAX 0.10.2 crashed with a segmentation fault in compilation_cache.put_executable_and_time and
# get_executable_and_time (five full runs of five, in MinAtar, Dict-observation and toy-algorithm tests;
# never with a file alone), and the worker's crash then hung pytest-xdist. Each process compiles its own.

# The tests' networks are small and train for a few steps, so compiling dominates their time: JAX's
# own switch for that case trades XLA's optimization passes for faster compiles (workers and
# subprocesses inherit it). What the tests check does not depend on it; benchmarks/ never sets it.
os.environ.setdefault("JAX_DISABLE_MOST_OPTIMIZATIONS", "1")

# `make test` runs the files on two workers (pytest-xdist, --dist loadfile: a file stays on one
# worker, so its module-scoped compiled models are built once). The longest files start first, so
# that neither worker is left running one of them alone at the end. Measured with --durations.
LONGEST_FILES_FIRST = (
    "test_zoo.py",
    "test_actor_critic_family.py",
    "test_benchmarks.py",
    "test_documented_commands.py",
)


def pytest_collection_modifyitems(config, items):
    """Put the longest test files first; the order inside each file is kept."""

    def rank(item):
        name = item.path.name
        return LONGEST_FILES_FIRST.index(name) if name in LONGEST_FILES_FIRST else len(LONGEST_FILES_FIRST)

    items.sort(key=rank)  # a stable sort: every other file keeps its collection order
