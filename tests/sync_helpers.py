"""Helpers shared by the sync tests."""

from collections.abc import Iterator
from contextlib import contextmanager

from exchanges.sync import engine


@contextmanager
def worker_killed_at_page(page: int, *, of: str, with_records: bool = False) -> Iterator[None]:
    """Within the block, the sync's `page`-th write of stream `of` (counting only pages with
    records, if asked) raises RuntimeError as a killed worker would: nothing of that page is
    stored. Writing works normally again after the block."""
    original = engine.store.store_page
    written = 0

    def store_page(account, stream, market, records, position):
        nonlocal written
        if stream == of and (records or not with_records):
            written += 1
            if written == page:
                raise RuntimeError("worker killed")
        return original(account, stream, market, records, position)

    engine.store.store_page = store_page
    try:
        yield
    finally:
        engine.store.store_page = original
