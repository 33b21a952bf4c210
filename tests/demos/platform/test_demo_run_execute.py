"""demo_run_execute: success, progress throttling, OOM, time limit, errors, poison guard."""

import pytest

from demos import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_release_device", lambda: calls.append(1))
    return calls


def test_success_stores_result_timings_and_worker(make_run, released):
    run = make_run(params={"scale": 3})
    out = services.demo_run_execute(run_id=str(run.id), worker="gpu0@host")
    assert out.status == "succeeded" and out.attempts == 1 and out.worker == "gpu0@host"
    assert out.result["summary"]["scale"] == 3.0
    assert out.timings["total_s"] == 0.001 and "wall_s" in out.timings
    assert out.device == "cpu" and out.finished_at and out.started_at
    assert out.progress_fraction == 1.0
    assert released == [1]


def test_progress_writes_are_throttled_to_one_per_second(make_run, monkeypatch):
    run = make_run(status="running")
    clock = iter([100.0, 100.2, 100.4, 101.5, 101.6])
    monkeypatch.setattr(services.time, "monotonic", lambda: next(clock))
    progress = services._progress_writer(run.pk)
    seen = []
    for i in range(5):
        progress(i, 5, f"step {i}")
        run.refresh_from_db()
        seen.append(run.progress_done)
    assert seen == [0, 0, 0, 3, 3]  # writes at t=100.0 and t=101.5 only


def test_progress_reaches_the_row(make_run):
    run = make_run(status="running")
    services._progress_writer(run.pk)(2, 8, "reference solve")
    run.refresh_from_db()
    assert (run.progress_done, run.progress_total, run.progress_message) == (
        2,
        8,
        "reference solve",
    )
    assert run.progress_fraction == 0.25


def test_cuda_oom_fails_with_a_clear_message(make_run, echo_demo, released):
    echo_demo.behaviour["mode"] = "oom"
    run = services.demo_run_execute(run_id=str(make_run().id))
    assert run.status == "failed"
    assert run.error_summary.startswith("CUDA out of memory: this parameter set needs more GPU")
    assert released == [1]


def test_soft_time_limit_becomes_timed_out(make_run, echo_demo, released):
    echo_demo.behaviour["mode"] = "timeout"
    run = services.demo_run_execute(run_id=str(make_run().id))
    assert run.status == "failed" and run.error_summary == "timed out after 32 s (the smoke budget)"
    assert released == [1]


def test_exception_keeps_type_message_and_traceback(make_run, echo_demo, released):
    echo_demo.behaviour["mode"] = "error"
    run = services.demo_run_execute(run_id=str(make_run().id))
    assert run.status == "failed"
    assert run.error_summary == "ZeroDivisionError: boom in the demo"
    assert "Traceback" in run.error and len(run.error.splitlines()) <= 21


def test_invalid_result_is_a_failure(make_run, echo_demo, released):
    echo_demo.behaviour["mode"] = "bad_result"
    run = services.demo_run_execute(run_id=str(make_run().id))
    assert run.status == "failed" and run.error_summary.startswith("InvalidResult")


def test_poison_guard_fails_the_third_start(make_run, echo_demo, released):
    run = make_run(status="running", attempts=2)  # lost its worker twice already
    out = services.demo_run_execute(run_id=str(run.id))
    assert out.status == "failed" and "worker lost twice" in out.error
    assert echo_demo.behaviour["calls"] == 0


def test_redelivered_running_run_is_executed_again(make_run, echo_demo, released):
    run = make_run(status="running", attempts=1)
    out = services.demo_run_execute(run_id=str(run.id))
    assert out.status == "succeeded" and out.attempts == 2


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
def test_finished_or_cancelled_runs_are_not_run_again(make_run, echo_demo, status):
    run = make_run(status=status)
    assert services.demo_run_execute(run_id=str(run.id)) is None
    assert echo_demo.behaviour["calls"] == 0


def test_missing_run_is_a_no_op(echo_demo):
    assert services.demo_run_execute(run_id="00000000-0000-0000-0000-000000000000") is None


def test_cancel_only_touches_queued_runs(make_run):
    queued = make_run(params={"seed": 1})
    running = make_run(status="running", params={"seed": 2})
    assert services.demo_run_cancel(run=queued) and queued.status == "cancelled"
    assert not services.demo_run_cancel(run=running) and running.status == "running"


def test_end_to_end_eager(echo_demo, django_capture_on_commit_callbacks, released):
    """POST-less path: create, commit, the eager task executes the run."""
    with django_capture_on_commit_callbacks(execute=True):
        run, created = services.demo_run_create(key=echo_demo.key, size="smoke", params={})
    run.refresh_from_db()
    assert created and run.status == "succeeded" and run.worker
