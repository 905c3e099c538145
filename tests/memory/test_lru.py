"""BlockLRU: hits, LRU eviction, oversize blocks."""

import pytest

from k1sim.memory import BlockLRU


def test_miss_then_hit_and_counters():
    c = BlockLRU(100)
    assert c.access("a", 40) is False
    assert c.access("a", 40) is True
    assert (c.hits, c.misses, c.used_bytes) == (1, 1, 40)


def test_evicts_least_recently_used_until_the_block_fits():
    c = BlockLRU(100)
    for k in "abc":
        c.access(k, 30)
    c.access("a", 30)            # a becomes most recent: b is now the victim
    c.access("d", 30)            # 120 > 100: evict b
    assert "b" not in c and all(k in c for k in "acd")
    c.access("e", 60)            # needs 60 free of 10: evict c then a
    assert [k in c for k in "acde"] == [False, False, True, True]
    assert c.used_bytes == 90


def test_exact_fit_is_retained():
    c = BlockLRU(64)
    c.access("a", 64)
    assert c.access("a", 64) is True


def test_a_block_larger_than_the_cache_streams_through_it():
    c = BlockLRU(100)
    c.access("a", 50)
    assert c.access("big", 101) is False
    assert "big" not in c and "a" not in c and c.used_bytes == 0 and len(c) == 0
    assert c.access("big", 101) is False
    assert (c.hits, c.misses) == (0, 3)


def test_peek_does_not_touch():
    c = BlockLRU(60)
    c.access("a", 30)
    c.access("b", 30)
    assert "a" in c              # a peek: a stays least recent
    c.access("c", 30)
    assert "a" not in c and (c.hits, c.misses) == (0, 3)


def test_zero_capacity_never_hits_and_negative_is_rejected():
    c = BlockLRU(0)
    assert not c.access("a", 1) and not c.access("a", 1)
    with pytest.raises(ValueError):
        BlockLRU(-1)
