"""The real stack: beat's dispatcher → Redis → a real Celery worker → database rows.

Runs in .ci/run against the local Redis and PostgreSQL (skipped without REDIS_URL).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from exchanges import services
from exchanges.credentials import Credentials
from exchanges.sync.models import SyncRun, Trade, Transfer
from tests.fake_exchange import binance as fake

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_app(settings):
    from portfolio.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = settings.REDIS_URL
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    yield app
    app.conf.broker_url, app.conf.broker_transport_options = saved


@pytest.fixture
def beat(tmp_path, settings):
    """Run a real `celery beat` that looks for due syncs every second."""
    env = {
        **os.environ,
        "REDIS_URL": settings.REDIS_URL,
        "SYNC_DISPATCH_INTERVAL_SECONDS": "1",
        "DATA_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portfolio",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    process.wait(timeout=15)


def test_beat_dispatches_a_due_account_and_a_worker_syncs_it_into_the_database(
    redis_app, beat, fake_exchange, django_user_model
):
    ledger = fake.Ledger()
    ledger.balances = {"BTC": ("0.5", "0"), "USDT": ("10", "0")}
    ledger.add_trade("BTCUSDT", "30000.5", "0.25", 1_700_000_000_000)
    ledger.add_deposit("USDT", "7600.125", 1_699_000_000_000)
    fake.serve_ledger(fake_exchange, ledger)
    ana = django_user_model.objects.create_user("ana", password="a-long-password-1")
    account = services.connect_account(
        owner=ana, exchange_id="binance", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )

    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        deadline = time.monotonic() + 60
        while not SyncRun.objects.filter(account=account, status="succeeded").exists():
            assert beat.poll() is None, beat.stdout.read()
            assert time.monotonic() < deadline, "no successful sync within 60 s"
            time.sleep(0.5)

    trade = Trade.objects.get(account=account)
    assert str(trade.price.normalize()) == "30000.5"
    assert str(Transfer.objects.get(account=account).amount.normalize()) == "7600.125"
    account.refresh_from_db()
    assert account.next_sync_at is not None and account.last_sync_at is not None
