"""relay.limits as plain state: the token bucket and the failed-joins window, time a plain number."""

from __future__ import annotations

from holdspace.relay.limits import FailedJoins, TokenBucket


# --- limits ------------------------------------------------------------------------------------


def test_token_bucket_burst_refill_and_exhaustion():
    bucket = TokenBucket(rate=2.0, burst=3, now=0.0)
    assert [bucket.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.allow(0.5)  # one token back after half a second at 2/s
    for _ in range(3):
        bucket.allow(0.5)
    assert bucket.refused == 4 and bucket.exhausted
    assert bucket.allow(10.0) and bucket.refused == 0  # backed off: afresh


def test_failed_joins_slide_out_of_the_window():
    joins = FailedJoins(limit=2, window=60.0)
    joins.record("a", 0.0)
    assert not joins.blocked("a", 1.0)
    joins.record("a", 1.0)
    assert joins.blocked("a", 2.0) and not joins.blocked("b", 2.0)
    assert not joins.blocked("a", 60.5)
    joins.prune(100.0)
    assert len(joins) == 0
