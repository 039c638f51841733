"""Shared by the benchmark scripts: resumable runs in parallel processes, and the result table."""

from __future__ import annotations

import json
import multiprocessing
import os
import pathlib
import platform
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib.metadata import version

import numpy as np


def run_missing(run_one: Callable[..., dict], jobs: list[tuple], out: pathlib.Path, n_processes: int) -> list[dict]:
    """Run ``run_one(*job, out_dir)`` for each job whose ``<name>.json`` is missing, in spawned processes.

    A job is ``(algo, seed, ...)``; its result goes to ``out/<algo>_seed<seed>.json`` as soon as the run
    ends, tagged with the machine it ran on, so an interrupted benchmark resumes where it stopped. Jobs
    start in the order given. Returns every result found in ``out``.
    """
    out.mkdir(parents=True, exist_ok=True)
    todo = [job for job in jobs if not (out / f"{job[0]}_seed{job[1]}.json").exists()]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, jax {version('jax')}"
    if todo:
        with ProcessPoolExecutor(n_processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(run_one, *job, str(out)) for job in todo]
            for future in as_completed(futures):
                result = dict(future.result(), machine=machine)
                (out / f"{result['algo']}_seed{result['seed']}.json").write_text(json.dumps(result, indent=1))
                print(json.dumps(result), flush=True)
    return [json.loads(path.read_text()) for path in sorted(out.glob("*_seed*.json"))]


def results_table(results: list[dict], algos: Sequence[str]) -> str:
    """Markdown table: mean ± std of the final return over seeds, per-seed returns, sparsity, run time."""
    lines = ["| algorithm | final return (mean ± std over seeds) | per seed | sparsity (per seed) | s per run |",
             "|---|---|---|---|---|"]
    for algo in algos:
        rows = sorted((r for r in results if r["algo"] == algo), key=lambda r: r["seed"])
        if not rows:
            continue
        returns = np.array([r["mean_return"] for r in rows])
        sparsities = np.array([r["sparsity"] for r in rows])
        lines.append(
            f"| {algo} | {returns.mean():.1f} ± {returns.std():.1f} | {', '.join(f'{x:.0f}' for x in returns)} "
            f"| {sparsities.mean():.3f} ({', '.join(f'{s:.2f}' for s in sparsities)}) "
            f"| {np.mean([r['seconds'] for r in rows]):.0f} |"
        )
    return "\n".join(lines)
