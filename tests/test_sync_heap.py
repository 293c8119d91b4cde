"""A sync keeps the process's long-lived objects out of the garbage collector's way."""

import gc
import threading

import pytest

from exchanges.sync import engine


@pytest.fixture(autouse=True)
def unfrozen_heap():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_heap_is_frozen_inside_the_block_and_unfrozen_after_it():
    with engine.heap_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_block_that_fails_unfreezes_the_heap():
    with pytest.raises(RuntimeError), engine.heap_frozen():
        raise RuntimeError("the sync failed")
    assert gc.get_freeze_count() == 0


def test_the_heap_stays_frozen_until_the_last_of_overlapping_blocks_ends():
    inner_done, outer_may_end = threading.Event(), threading.Event()

    def other_sync():
        with engine.heap_frozen():
            outer_may_end.set()
            inner_done.wait(5)

    other = threading.Thread(target=other_sync)
    with engine.heap_frozen():
        other.start()
        assert outer_may_end.wait(5)
    assert gc.get_freeze_count() > 0  # the other sync still runs
    inner_done.set()
    other.join(5)
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_by_someone_else_is_left_frozen(monkeypatch):
    gc.freeze()
    # Not compared by gc.get_freeze_count(): a frozen object that is freed leaves the count.
    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    with engine.heap_frozen():
        pass
    assert calls == []


def test_a_sync_runs_with_the_heap_frozen(monkeypatch, django_user_model, db):
    from exchanges.models import ExchangeAccount

    owner = django_user_model.objects.create(username="heap-owner")
    account = ExchangeAccount.objects.create(owner=owner, exchange_id="binance", label="b")
    seen = []
    monkeypatch.setattr(
        engine, "_sync_claimed", lambda account, run: seen.append(gc.get_freeze_count()) or "run"
    )
    assert engine.sync_account(account.pk) == "run"
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
