"""demo_runs_fail_stale: runs whose worker vanished and queued runs nobody picked up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from demos import services
from demos.models import DemoRun

pytestmark = pytest.mark.django_db


def test_sweeper_fails_only_stale_rows(make_run):
    now = timezone.now()
    hard = services.time_limits(key="platform.echo", size="smoke")[1]
    stale = make_run(
        status="running",
        params={"seed": 1},
        started_at=now - timedelta(seconds=hard + services.STALE_MARGIN_S + 5),
    )
    fresh = make_run(status="running", params={"seed": 2}, started_at=now - timedelta(seconds=5))
    old_queued = make_run(params={"seed": 3})
    DemoRun.objects.filter(pk=old_queued.pk).update(created_at=now - timedelta(days=2))
    new_queued = make_run(params={"seed": 4})
    done = make_run(status="succeeded", params={"seed": 5}, started_at=now - timedelta(days=3))

    assert services.demo_runs_fail_stale(now=now) == 2
    statuses = {r.pk: (r.status, r.error) for r in DemoRun.objects.all()}
    assert statuses[stale.pk][0] == "failed" and "worker lost" in statuses[stale.pk][1]
    assert statuses[old_queued.pk][0] == "failed" and "never started" in statuses[old_queued.pk][1]
    assert statuses[fresh.pk][0] == "running"
    assert statuses[new_queued.pk][0] == "queued"
    assert statuses[done.pk][0] == "succeeded"
    assert services.demo_runs_fail_stale(now=now) == 0


def test_sweeper_task_calls_the_service(make_run):
    from demos.tasks import demo_runs_fail_stale_task

    assert demo_runs_fail_stale_task.apply().get() == 0
