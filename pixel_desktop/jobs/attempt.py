"""One build attempt under the build timeout, counted and flushed the same way wherever it runs.

The in-process runner and a team worker both run a claimed build like this; they differ
only in what they release afterwards (a cancel flag and a queue slot, or a lease), so that
part stays with them and this part exists once.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from pixel_desktop.build.pipeline import Job


class RunsBuilds(Protocol):
    def run(self, job: Job, /) -> str: ...


class CountsAttempts(Protocol):
    def started(self) -> None: ...

    def finished(self, status: str, duration_s: float | None, /) -> None: ...


class FlushesLogs(Protocol):
    def flush(self, build_id: int, /) -> None: ...


def run_attempt(
    pipeline: RunsBuilds,
    job: Job,
    *,
    timeout_s: float,
    metrics: CountsAttempts,
    log_writer: FlushesLogs,
) -> str:
    """Run ``job`` until it ends or ``timeout_s`` passes (the job then times itself out);
    its final status. Metrics and the log are settled even when the pipeline raises."""
    metrics.started()
    status = "failed"
    timer = threading.Timer(float(timeout_s), job.time_out)
    timer.daemon = True
    timer.start()
    try:
        status = pipeline.run(job)
    finally:
        timer.cancel()
        duration = time.monotonic() - job.started if job.started else None
        metrics.finished(status, duration)
        log_writer.flush(job.build_id)
    return status
