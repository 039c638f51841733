import os
import shutil
import tempfile

# Tests run on the CPU with small networks; keep JAX from grabbing an accelerator or all threads.
os.environ.setdefault("JAX_PLATFORMS", "cpu")

# One JAX compilation cache folder for the whole run, made by the controlling process before the workers
# and the RL Zoo subprocesses start (they inherit it): a network compiled once is not compiled again in
# the same worker or its subprocesses. Empty at the start of every run, removed at its end.
# The workers find the variable set, so only the controlling process holds OWN_CACHE_DIR.
OWN_CACHE_DIR = None
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    OWN_CACHE_DIR = tempfile.mkdtemp(prefix="sbx-eaudeqn-tests-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = OWN_CACHE_DIR
# Each pytest-xdist worker writes its own part of it, which its RL Zoo subprocesses (run one at a time)
# share: two processes writing one entry at once crashed JAX 0.10.2 (a segmentation fault in
# compilation_cache.put_executable_and_time, a MinAtar test beside a MinAtar zoo subprocess).
if os.environ.get("PYTEST_XDIST_WORKER") and "JAX_COMPILATION_CACHE_DIR" in os.environ:
    os.environ["JAX_COMPILATION_CACHE_DIR"] = os.path.join(os.environ["JAX_COMPILATION_CACHE_DIR"],
                                                           os.environ["PYTEST_XDIST_WORKER"])
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

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


def pytest_sessionfinish(session):
    """The controlling process removes the compilation cache it made."""
    if OWN_CACHE_DIR is not None:
        shutil.rmtree(OWN_CACHE_DIR, ignore_errors=True)
