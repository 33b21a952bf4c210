"""Task wiring: queue routing, ack flags, no automatic retries, time limits, beat entry."""

import pytest
from django.conf import settings

from demos.tasks import demo_run_execute_task, demo_runs_fail_stale_task
from reader.celery import app


def _queue(task) -> str:
    route = app.amqp.router.route({}, task.name, args=(), kwargs={})
    return route["queue"].name


def test_execute_task_goes_to_the_demos_queue_and_the_sweeper_to_default():
    assert demo_run_execute_task.name == "demos.tasks.demo_run_execute_task"
    assert _queue(demo_run_execute_task) == "demos"
    assert _queue(demo_runs_fail_stale_task) == "default"


def test_execute_task_acks_late_and_requeues_on_worker_loss():
    assert demo_run_execute_task.acks_late is True
    assert demo_run_execute_task.reject_on_worker_lost is True
    assert demo_run_execute_task.ignore_result is True


def test_execute_task_never_retries_automatically():
    assert not getattr(demo_run_execute_task, "autoretry_for", ())
    assert demo_run_execute_task.acks_on_failure_or_timeout is True  # timed-out runs not requeued


def test_time_limits_follow_the_size_budget(echo_demo):
    from demos.services import time_limits

    assert time_limits(key=echo_demo.key, size="smoke") == (32, 62)
    assert time_limits(key=echo_demo.key, size="full") == (50, 80)


def test_real_demo_limits_are_within_the_broker_visibility_timeout():
    from demos import catalog
    from demos.services import time_limits

    for demo in catalog.all_demos():
        for size in demo.sizes:
            soft, hard = time_limits(key=demo.key, size=size)
            assert soft < hard < 7200


def test_beat_runs_the_sweeper_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["demo-runs-fail-stale"]
    assert entry["task"] == demo_runs_fail_stale_task.name
    assert entry["schedule"].minute == set(range(0, 60, 5))


@pytest.mark.django_db
def test_hard_time_limit_kill_is_recorded_by_the_parent(make_run):
    from celery.exceptions import TimeLimitExceeded

    run = make_run(status="running", params={"seed": 1})
    other = make_run(status="running", params={"seed": 2})
    demo_run_execute_task.on_failure(TimeLimitExceeded(62), "tid", [str(run.id)], {}, None)
    demo_run_execute_task.on_failure(ValueError("x"), "tid", [str(other.id)], {}, None)
    run.refresh_from_db()
    other.refresh_from_db()
    assert run.status == "failed" and run.error == "timed out: stopped at the hard limit of 62 s"
    assert other.status == "running"  # only the hard limit is handled here


def test_execute_task_supports_enqueue_on_commit():
    assert hasattr(demo_run_execute_task, "apply_async_on_commit")
