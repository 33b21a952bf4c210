"""demo_run_create: cache hit, attach, races, limits, size and params validation, enqueue."""

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from demos import selectors, services
from demos.base import DemoParamsInvalid
from demos.models import DemoRun
from tests.demos.platform.conftest import FAKE_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Capture apply_async calls instead of running the task."""
    from demos.tasks import demo_run_execute_task

    calls = []
    monkeypatch.setattr(
        demo_run_execute_task, "apply_async", lambda *a, **kw: calls.append((a, kw))
    )
    return calls


def test_new_run_is_queued_and_enqueued_after_commit(
    echo_demo, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={"scale": "2"})
    assert created and run.status == "queued"
    assert run.params == {"flag": True, "mode": "a", "scale": 2.0, "seed": 0}
    assert len(callbacks) == 1 and sent == []  # nothing is sent before COMMIT
    callbacks[0]()
    (args, kwargs) = sent[0]
    assert kwargs["args"] == [str(run.id)]
    assert kwargs["queue"] == "demos"
    assert (kwargs["soft_time_limit"], kwargs["time_limit"]) == (32, 62)  # 2 x 1 s + 30, + 30


def test_omitted_defaults_share_the_cache_key(echo_demo, sent):
    a, created_a = services.demo_run_create(key=FAKE_KEY, size="smoke", params={})
    b, created_b = services.demo_run_create(
        key=FAKE_KEY, size="smoke", params={"seed": 0, "mode": "a", "flag": "true"}
    )
    assert created_a and not created_b and a.pk == b.pk


def test_cache_hit_returns_the_succeeded_run(make_run, sent):
    done = make_run(status="succeeded", result={"summary": {}})
    run, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={})
    assert (run.pk, created) == (done.pk, False)
    assert DemoRun.objects.count() == 1 and sent == []


@pytest.mark.parametrize("status", ["queued", "running"])
def test_attaches_to_a_live_run(make_run, sent, status):
    live = make_run(status=status)
    run, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={"seed": "0"})
    assert (run.pk, created) == (live.pk, False)


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_failed_and_cancelled_runs_are_not_reused(make_run, sent, status):
    old = make_run(status=status, error="x")
    run, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={})
    assert created and run.pk != old.pk


def test_other_params_or_version_make_a_new_run(make_run, echo_demo, sent, monkeypatch):
    first = make_run(status="succeeded")
    other, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={"seed": 1})
    assert created and other.cache_key != first.cache_key
    monkeypatch.setattr(echo_demo, "version", 2)
    bumped, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={})
    assert created and bumped.cache_key != first.cache_key and bumped.demo_version == 2


def test_constraint_allows_one_reusable_row_per_cache_key(make_run):
    first = make_run(status="running")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_run(status="queued")
    first.status = "failed"
    first.save()
    make_run(status="queued")  # a failed row no longer blocks the key
    make_run(status="failed")


def test_race_loser_gets_the_winner(make_run, sent, monkeypatch):
    """Both requests miss the lookup; the INSERT of the second hits the constraint."""
    winner = make_run(status="queued")
    real = selectors.demo_run_get_reusable
    calls = []

    def lookup(**kw):
        calls.append(kw)
        return None if len(calls) == 1 else real(**kw)

    monkeypatch.setattr(selectors, "demo_run_get_reusable", lookup)
    run, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={})
    assert (run.pk, created) == (winner.pk, False)
    assert DemoRun.objects.count() == 1 and len(calls) == 2


def test_invalid_params_raise_per_field(echo_demo):
    with pytest.raises(DemoParamsInvalid) as exc:
        services.demo_run_create(
            key=FAKE_KEY, size="smoke", params={"scale": 99, "mode": "z", "nope": 1}
        )
    assert set(exc.value.errors) == {"scale", "mode", "nope"}
    assert "at most 10" in exc.value.errors["scale"]
    assert DemoRun.objects.count() == 0


def test_size_must_be_offered_here(echo_demo):
    with pytest.raises(DemoParamsInvalid) as exc:
        services.demo_run_create(key=FAKE_KEY, size="full", params={})
    assert "not offered" in exc.value.errors["size"]


def test_unknown_demo_is_a_key_error():
    with pytest.raises(KeyError):
        services.demo_run_create(key="nope.nope", size="smoke", params={})


@override_settings(DEMOS_RUNS_PER_MINUTE=3)
def test_rate_limit_counts_new_runs_per_client(echo_demo, sent):
    for seed in range(3):
        services.demo_run_create(
            key=FAKE_KEY, size="smoke", params={"seed": seed}, client="1.2.3.4"
        )
    with pytest.raises(services.DemoRateLimited) as exc:
        services.demo_run_create(key=FAKE_KEY, size="smoke", params={"seed": 9}, client="1.2.3.4")
    assert 0 < exc.value.retry_after <= 60
    # Cached or live runs are free, and other clients have their own budget.
    services.demo_run_create(key=FAKE_KEY, size="smoke", params={"seed": 0}, client="1.2.3.4")
    services.demo_run_create(key=FAKE_KEY, size="smoke", params={"seed": 9}, client="5.6.7.8")


@override_settings(DEMOS_MAX_QUEUED=2)
def test_queue_cap_refuses_new_runs(make_run, sent):
    make_run(status="queued", params={"seed": 1})
    make_run(status="queued", params={"seed": 2})
    with pytest.raises(services.DemoQueueFull):
        services.demo_run_create(key=FAKE_KEY, size="smoke", params={"seed": 3})
    # Attaching to a queued run still works while the queue is full.
    run, created = services.demo_run_create(key=FAKE_KEY, size="smoke", params={"seed": 1})
    assert not created


def test_paper_is_linked_only_when_the_demo_illustrates_it(echo_demo, sent):
    run, _ = services.demo_run_create(
        key=FAKE_KEY, size="smoke", params={}, paper_arxiv_id="1706.03762"
    )
    assert run.paper is None


def test_queue_position_counts_jobs_ahead(make_run):
    running = make_run(status="running", params={"seed": 1})
    first = make_run(status="queued", params={"seed": 2})
    second = make_run(status="queued", params={"seed": 3})
    assert selectors.demo_run_queue_position(run=first) == 1
    assert selectors.demo_run_queue_position(run=second) == 2
    assert selectors.demo_run_queue_position(run=running) is None
