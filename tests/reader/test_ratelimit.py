"""reader.ratelimit's API: hit, rate_limit_hit / RateLimited, window_count, exclusive."""

import pytest

from reader import ratelimit
from reader.models import RateCounter

pytestmark = pytest.mark.django_db


def test_hit_counts_per_scope_and_client_and_never_stores_the_address():
    decisions = [ratelimit.hit("t", "10.0.0.1", limit=2) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert [d.count for d in decisions] == [1, 2, 3]
    assert 1 <= decisions[0].retry_after <= 60
    assert ratelimit.hit("t", "10.0.0.2", limit=2).allowed  # another client
    assert ratelimit.hit("other", "10.0.0.1", limit=2).allowed  # another scope
    assert not RateCounter.objects.filter(key__contains="10.0.0").exists()


def test_no_limit_counts_nothing():
    assert ratelimit.hit("t", "10.0.0.1", limit=0).allowed
    assert ratelimit.hit("t", "", limit=1).allowed
    assert RateCounter.objects.count() == 0


def test_rate_limit_hit_raises_and_window_count_counts():
    ratelimit.rate_limit_hit(scope="faq", client="c", limit=1)
    with pytest.raises(ratelimit.RateLimited) as exc:
        ratelimit.rate_limit_hit(scope="faq", client="c", limit=1)
    assert 1 <= exc.value.retry_after <= 60
    assert ratelimit.window_count(scope="faq", key="c")[0] == 3


def test_exclusive_is_a_transaction():
    from django.db import connection

    with ratelimit.exclusive("x"):
        assert connection.in_atomic_block
