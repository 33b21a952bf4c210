"""Writes for demo runs: create (cache, attach, limits, enqueue), execute, fail, cancel, sweep.

The flow is design/architecture.md §3.3 and §5.5: a request becomes at most one DemoRun per
cache key; the Celery task only calls demo_run_execute, which owns progress, errors and the
poison guard.
"""

import logging
import time
import traceback
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from demos import catalog, selectors
from demos.base import DemoParamsInvalid, cache_key, run_demo, validate_params
from demos.models import DemoRun
from reader import ratelimit

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # the third start of the same run is refused (poison guard)
PROGRESS_INTERVAL_S = 1.0
STALE_MARGIN_S = 300
QUEUED_MAX_AGE = timedelta(days=1)
TRACEBACK_LINES = 20


class DemoQueueFull(Exception):
    """Too many runs are queued (DEMOS_MAX_QUEUED); the site answers "busy" (503)."""


class DemoRateLimited(Exception):
    """This client started too many runs in the current minute (429)."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"too many demo runs; retry in {retry_after} s")


def time_limits(*, key: str, size: str) -> tuple[int, int]:
    """(soft, hard) Celery time limits from the size budget: soft = 2 x budget + 30, hard + 30."""
    budget = catalog.get(key).sizes[size].budget_s
    soft = int(2 * budget + 30)
    return soft, soft + 30


def _rate_limit_hit(*, client: str) -> None:
    """Count one new run for `client` in a one-minute window; raise when over the limit."""
    decision = ratelimit.hit("demos", client, limit=settings.DEMOS_RUNS_PER_MINUTE, window_s=60)
    if not decision.allowed:
        raise DemoRateLimited(retry_after=decision.retry_after)


def _rate_limit_allowing_when_down(*, client: str) -> None:
    """The rate limit, or "allowed" with a logged warning when its store cannot be reached.

    With the Redis cache configured and down, runs are still taken rather than answered 500
    (the database counters come with `migrate`, so their errors are not swallowed: a locked
    SQLite must never let a burst through); the savepoint keeps a failed query from aborting
    the request's transaction on PostgreSQL.
    """
    try:
        with transaction.atomic():
            _rate_limit_hit(client=client)
    except DemoRateLimited:
        raise
    except Exception as exc:  # redis ConnectionError, TimeoutError, ...
        if settings.CACHES["default"]["BACKEND"] != ratelimit.REDIS_BACKEND:
            raise  # database counters come with migrate: a failure there is a real error
        logger.warning("demo rate limit not applied, store unavailable: %s: %s",
                       type(exc).__name__, exc)  # fmt: skip


def _enqueue(run: DemoRun) -> None:
    """Send the run to the demos queue once the surrounding transaction commits."""
    from demos.tasks import demo_run_execute_task

    soft, hard = time_limits(key=run.demo_key, size=run.size)
    # A worker must never look for a row that is not committed yet (architecture §5.3).
    demo_run_execute_task.apply_async_on_commit(
        args=[str(run.id)], queue="demos", soft_time_limit=soft, time_limit=hard
    )


def demo_run_create(
    *,
    key: str,
    size: str,
    params: dict[str, Any],
    paper_arxiv_id: str = "",
    client: str = "",
) -> tuple[DemoRun, bool]:
    """Return (run, created): a cached or live run for these params, or a new queued one.

    Raises KeyError (unknown demo), DemoParamsInvalid, DemoRateLimited or DemoQueueFull.
    """
    demo = catalog.get(key)
    if size not in settings.DEMOS_SIZES:
        offered = ", ".join(settings.DEMOS_SIZES)
        raise DemoParamsInvalid({"size": f"size {size!r} is not offered here (only {offered})"})
    canonical = validate_params(demo, params, size)
    digest = cache_key(demo, canonical, size)
    existing = selectors.demo_run_get_reusable(cache_key=digest)
    if existing is not None:
        return existing, False
    _rate_limit_allowing_when_down(client=client)
    paper = None
    if paper_arxiv_id and paper_arxiv_id in demo.arxiv_ids:
        from reader.selectors import paper_get

        paper = paper_get(arxiv_id=paper_arxiv_id)
    run = DemoRun(
        demo_key=key,
        demo_version=demo.version,
        size=size,
        params=canonical,
        cache_key=digest,
        paper=paper,
    )
    # The conditional unique constraint settles races at INSERT time (IntegrityError below),
    # so full_clean skips the extra constraint query.
    run.full_clean(validate_constraints=False)
    try:
        # Count and insert under one lock, or concurrent requests all see room and overfill.
        with ratelimit.exclusive("demos:queue"):
            if selectors.demo_runs_queued_count() >= settings.DEMOS_MAX_QUEUED:
                raise DemoQueueFull("the demo queue is full")
            run.save(force_insert=True)
            _enqueue(run)
    except IntegrityError:
        winner = selectors.demo_run_get_reusable(cache_key=digest)
        if winner is None:  # the winner failed in between: nothing to attach to
            raise
        logger.info("demo run race for %s: attached to %s", digest[:12], winner.id)
        return winner, False
    logger.info("demo run %s queued (%s %s)", run.id, key, size)
    return run, True


def _progress_writer(run_id: Any):
    """A Progress callable that writes to the row at most once per second (and never save())."""
    last = [0.0]

    def progress(done: int, total: int, message: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - last[0] < PROGRESS_INTERVAL_S:
            return
        last[0] = now
        DemoRun.objects.filter(pk=run_id, status=DemoRun.Status.RUNNING).update(
            progress_done=max(0, int(done)),
            progress_total=max(0, int(total)),
            progress_message=str(message)[:200],
            updated_at=timezone.now(),
        )

    return progress


def _start(*, run_id: str, worker: str) -> DemoRun | None:
    """Mark the run running and count the attempt; None when there is nothing to do."""
    with transaction.atomic():
        run = DemoRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in DemoRun.ACTIVE_STATUSES:
            # Deleted, cancelled, swept or already done: a duplicate delivery is a no-op.
            logger.info("demo run %s: nothing to do (%s)", run_id, run and run.status)
            return None
        run.attempts += 1
        run.status = DemoRun.Status.RUNNING
        run.started_at = timezone.now()
        run.worker = worker[:200]
        run.progress_done = run.progress_total = 0
        run.progress_message = "starting"
        run.save(
            update_fields=[
                "attempts",
                "status",
                "started_at",
                "worker",
                "progress_done",
                "progress_total",
                "progress_message",
                "updated_at",
            ]
        )
    return run


def _is_cuda_oom(exc: BaseException) -> bool:
    """True for torch.cuda.OutOfMemoryError and the older RuntimeError form."""
    return type(exc).__name__ == "OutOfMemoryError" or "CUDA out of memory" in str(exc)


def demo_run_execute(*, run_id: str, worker: str = "") -> DemoRun | None:
    """Run the demo for a queued (or redelivered) run and store its result or error."""
    run = _start(run_id=run_id, worker=worker)
    if run is None:
        return None
    if run.attempts > MAX_ATTEMPTS:
        # A run that killed its worker twice would otherwise loop forever (acks_late).
        return demo_run_fail(
            run=run, error=f"worker lost twice while running this demo (attempt {run.attempts})"
        )
    progress = _progress_writer(run.pk)
    started = time.monotonic()
    try:
        # the CLI's path too: validate once, resolve the device, run, check the result
        result = run_demo(catalog.get(run.demo_key), run.params, run.size, progress)
    except SoftTimeLimitExceeded:
        soft, _ = time_limits(key=run.demo_key, size=run.size)
        return demo_run_fail(run=run, error=f"timed out after {soft} s (the {run.size} budget)")
    except Exception as exc:
        if _is_cuda_oom(exc):
            error = (
                "CUDA out of memory: this parameter set needs more GPU memory than the worker "
                f"has. Try a smaller setting.\n{type(exc).__name__}: {exc}"
            )
        else:
            tail = traceback.format_exc().strip().splitlines()[-TRACEBACK_LINES:]
            error = f"{type(exc).__name__}: {exc}\n" + "\n".join(tail)
        return demo_run_fail(run=run, error=error)
    finally:
        _release_device()
    wall = round(time.monotonic() - started, 3)
    timings = {**result.get("timings", {}), "wall_s": wall}
    if run.started_at and run.created_at:
        timings["queued_s"] = round((run.started_at - run.created_at).total_seconds(), 3)
    env = result.get("env", {})
    updated = DemoRun.objects.filter(pk=run.pk, status=DemoRun.Status.RUNNING).update(
        status=DemoRun.Status.SUCCEEDED,
        result=result,
        timings=timings,
        device=str(env.get("device_name") or env.get("device") or "")[:100],
        progress_done=run.progress_total or 1,
        progress_total=run.progress_total or 1,
        progress_message="done",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    logger.info("demo run %s succeeded in %.1f s (stored=%s)", run.pk, wall, bool(updated))
    return selectors.demo_run_get(run_id=run.pk)


def _release_device() -> None:
    """Free cached GPU memory after every run (imported late: torch stays out of web startup)."""
    try:
        from demos.common.env import release_device

        release_device()
    except Exception:  # a poisoned CUDA context dies with the child anyway
        logger.exception("release_device failed")


def demo_run_fail(*, run: DemoRun, error: str) -> DemoRun:
    """Mark a queued or running run failed with `error` (first line is shown to readers)."""
    now = timezone.now()
    DemoRun.objects.filter(pk=run.pk, status__in=DemoRun.ACTIVE_STATUSES).update(
        status=DemoRun.Status.FAILED, error=error, finished_at=now, updated_at=now
    )
    logger.warning("demo run %s failed: %s", run.pk, error.splitlines()[0] if error else "")
    run.refresh_from_db()
    return run


def demo_run_timed_out(*, run_id: str) -> DemoRun | None:
    """Fail a run whose pool child was killed at the hard time limit (called by the task)."""
    run = selectors.demo_run_get(run_id=run_id)
    if run is None:
        return None
    try:
        _, hard = time_limits(key=run.demo_key, size=run.size)
    except KeyError:
        hard = settings.CELERY_TASK_TIME_LIMIT
    return demo_run_fail(run=run, error=f"timed out: stopped at the hard limit of {hard} s")


def demo_run_cancel(*, run: DemoRun) -> bool:
    """Cancel a queued run (a running one is left alone); True when it was cancelled."""
    now = timezone.now()
    count = DemoRun.objects.filter(pk=run.pk, status=DemoRun.Status.QUEUED).update(
        status=DemoRun.Status.CANCELLED, finished_at=now, updated_at=now
    )
    run.refresh_from_db()
    return bool(count)


def demo_runs_fail_stale(*, now: Any | None = None) -> int:
    """Fail running rows past their hard limit plus a margin, and queued rows older than a day."""
    now = now or timezone.now()
    count = 0
    for run in DemoRun.objects.filter(status=DemoRun.Status.RUNNING).only(
        "id", "demo_key", "size", "started_at", "status"
    ):
        try:
            _, hard = time_limits(key=run.demo_key, size=run.size)
        except KeyError:  # demo removed from the catalogue
            hard = settings.CELERY_TASK_TIME_LIMIT
        if run.started_at and run.started_at < now - timedelta(seconds=hard + STALE_MARGIN_S):
            demo_run_fail(
                run=run,
                error=f"worker lost: no result {hard + STALE_MARGIN_S} s after the run started",
            )
            count += 1
    stale_queued = DemoRun.objects.filter(
        status=DemoRun.Status.QUEUED, created_at__lt=now - QUEUED_MAX_AGE
    )
    count += stale_queued.update(
        status=DemoRun.Status.FAILED,
        error="never started: no worker picked this run up within a day",
        finished_at=now,
        updated_at=now,
    )
    if count:
        logger.warning("failed %d stale demo runs", count)
    return count
