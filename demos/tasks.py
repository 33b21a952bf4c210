"""Celery interface for demo runs: thin wrappers that load nothing and call one service each.

demo_run_execute_task is routed to the `demos` queue (CELERY_TASK_ROUTES); its time limits are
passed per call from the size budget by demos.services. It never retries: a failed run keeps its
error, and a lost worker's run comes back through acks_late + reject_on_worker_lost.
"""

import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import TimeLimitExceeded

logger = logging.getLogger(__name__)


class DemoRunTask(DjangoTask):
    """Records a hard time-limit kill, which the killed pool child cannot record itself."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Celery calls this in the worker parent for hard timeouts (no CUDA is touched there).
        if isinstance(exc, TimeLimitExceeded) and args:
            from demos.services import demo_run_timed_out

            demo_run_timed_out(run_id=str(args[0]))


@shared_task(
    base=DemoRunTask, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def demo_run_execute_task(self, run_id: str) -> None:
    """Execute one DemoRun by id (the service records success, failure and progress)."""
    from demos.services import demo_run_execute

    logger.info("demo run %s: start on %s", run_id, self.request.hostname)
    demo_run_execute(run_id=run_id, worker=self.request.hostname or "")


@shared_task(ignore_result=True)
def demo_runs_fail_stale_task() -> int:
    """Beat job: fail runs whose worker vanished and queued runs nobody picked up."""
    from demos.services import demo_runs_fail_stale

    return demo_runs_fail_stale()
