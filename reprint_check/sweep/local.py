"""The local engine: processes on this machine, one WARC file per task."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from reprint_check.index import open_index
from reprint_check.policy.rules import Policies
from reprint_check.sweep.firsttest import FirstTest
from reprint_check.sweep.worker import Context, FileResult, SweepSettings, sweep_file

_context: Context | None = None


def _start(index_location: str, policy: Policies, test: FirstTest, settings: SweepSettings) -> None:
    global _context
    _context = Context(open_index(index_location, read_only=True), policy, test, settings)


def _sweep(task: tuple[int, str]) -> FileResult:
    assert _context is not None, "worker not started"
    return sweep_file(task[0], task[1], _context)


def run_local(
    specs: Sequence[str],
    *,
    index_location: str,
    policy: Policies,
    first_test: FirstTest,
    settings: SweepSettings,
    jobs: int = 1,
    on_file: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Sweep every file, ``jobs`` at a time; results in the order of ``specs``."""
    results: list[FileResult] = []
    tasks = list(enumerate(specs))
    if jobs <= 1 or len(tasks) <= 1:
        context = Context(open_index(index_location, read_only=True), policy, first_test, settings)
        try:
            for position, spec in tasks:
                results.append(sweep_file(position, spec, context))
                if on_file is not None:
                    on_file(results[-1])
        finally:
            context.close()
        return results
    init = (index_location, policy, first_test, settings)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        min(jobs, len(tasks)), mp_context=spawn, initializer=_start, initargs=init
    ) as pool:
        for result in pool.map(_sweep, tasks):
            results.append(result)
            if on_file is not None:
                on_file(result)
    return results
