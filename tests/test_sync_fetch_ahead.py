"""The engine fetches a stream's next page while the one before is stored."""

import threading
import time
from contextlib import closing
from dataclasses import dataclass, field

import pytest

from exchanges.errors import ExchangeUnavailable
from exchanges.sync import engine
from exchanges.sync.engine import fetch_ahead
from exchanges.sync.streams import Page, Stream

WAIT = 5.0  # seconds a test waits for the other thread before it fails


@dataclass
class ScriptedStream(Stream):
    """Pages 1..count; fetch_page runs `before(n)` first, to block, sleep or fail on page n."""

    count: int = 3
    before: dict = field(default_factory=dict)
    fetched: list = field(default_factory=list)  # (page number, thread name), in fetch order

    def fetch_page(self, client, market, position):
        number = position.get("next", 1)
        if number in self.before:
            self.before[number]()
        self.fetched.append((number, threading.current_thread().name))
        return Page([], {"next": number + 1, "page": number}, more=number < self.count)


def scripted(**kwargs) -> ScriptedStream:
    return ScriptedStream("trades", "fetch_my_trades", **kwargs)


def test_every_page_is_yielded_once_in_order():
    stream = scripted(count=4)
    pages = list(fetch_ahead(None, stream, None, {}))
    assert [p.position["page"] for p in pages] == [1, 2, 3, 4]
    assert [p.more for p in pages] == [True, True, True, False]
    assert [n for n, _ in stream.fetched] == [1, 2, 3, 4]


def test_a_single_page_is_fetched_without_a_second_thread():
    stream = scripted(count=1)
    assert [p.position["page"] for p in fetch_ahead(None, stream, None, {})] == [1]
    assert stream.fetched == [(1, threading.current_thread().name)]


def test_the_next_page_is_fetched_while_the_caller_still_holds_the_one_before():
    second_fetched = threading.Event()
    stream = scripted(count=2, before={2: second_fetched.set})
    pages = fetch_ahead(None, stream, None, {})
    first = next(pages)
    # Page 1 is not stored yet (the caller holds it), and page 2 is already on its way.
    assert second_fetched.wait(WAIT)
    assert first.position["page"] == 1
    assert next(pages).position["page"] == 2
    assert stream.fetched[1][1].startswith("porthole-fetch")


def test_a_failed_fetch_raises_only_after_the_page_before_it_was_handed_over():
    def fail():
        raise ExchangeUnavailable()

    stream = scripted(count=3, before={2: fail})
    handed = []
    with pytest.raises(ExchangeUnavailable):
        for page in fetch_ahead(None, stream, None, {}):
            handed.append(page.position["page"])
    assert handed == [1]


def test_closing_after_a_failed_write_waits_for_the_fetch_still_out():
    finished = threading.Event()

    def slow():
        time.sleep(0.3)
        finished.set()

    stream = scripted(count=3, before={2: slow})
    with pytest.raises(RuntimeError), closing(fetch_ahead(None, stream, None, {})) as pages:
        for _page in pages:
            raise RuntimeError("the write failed")
    # The client may be closed now: nothing is using it any more, and page 3 was never asked.
    assert finished.is_set()
    assert [n for n, _ in stream.fetched] == [1, 2]


def fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("porthole-fetch")]


def test_the_fetcher_reads_at_most_read_ahead_pages_beyond_the_one_the_caller_holds(
    monkeypatch,
):
    monkeypatch.setattr(engine, "READ_AHEAD", 2)
    fourth_asked = threading.Event()
    stream = scripted(count=10, before={4: fourth_asked.set})
    pages = fetch_ahead(None, stream, None, {})
    assert next(pages).position["page"] == 1
    # Pages 2 and 3 wait in line, page 4 waits for room: nothing beyond it is asked for.
    assert fourth_asked.wait(WAIT)
    time.sleep(0.2)
    assert [n for n, _ in stream.fetched] == [1, 2, 3, 4]
    assert [p.position["page"] for p in pages] == list(range(2, 11))
    assert [n for n, _ in stream.fetched] == list(range(1, 11))


def test_closing_while_the_fetcher_waits_for_room_ends_it_without_fetching_more(monkeypatch):
    monkeypatch.setattr(engine, "READ_AHEAD", 1)
    third_asked = threading.Event()
    stream = scripted(count=10, before={3: third_asked.set})
    pages = fetch_ahead(None, stream, None, {})
    next(pages)
    assert third_asked.wait(WAIT)  # page 2 waits in line, page 3 waits for room
    pages.close()
    assert not fetch_threads()
    assert [n for n, _ in stream.fetched] == [1, 2, 3]


def test_a_stream_read_to_its_end_leaves_no_thread_behind():
    list(fetch_ahead(None, scripted(count=5), None, {}))
    assert not fetch_threads()
