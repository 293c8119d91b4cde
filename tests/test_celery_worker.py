"""A real Celery worker takes the heartbeat task from the real Redis broker and runs it."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from portfolio.models import Heartbeat

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_app(settings):
    """Return the Celery app with its broker pointed at the REDIS_URL from settings."""
    from portfolio.celery import app

    assert settings.REDIS_URL, "the services tests need REDIS_URL"
    saved = app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager
    app.conf.broker_url = settings.REDIS_URL
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app.conf.task_always_eager = False
    yield app
    app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager = saved


def test_worker_runs_the_heartbeat_sent_through_redis(redis_app):
    from portfolio.tasks import heartbeat

    assert not Heartbeat.objects.filter(name="celery").exists()
    # No result backend: the ping check of start_worker needs one, the heartbeat row does not.
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        heartbeat.delay()
        deadline = time.monotonic() + 30
        while not Heartbeat.objects.filter(name="celery").exists():
            assert time.monotonic() < deadline, "the worker did not run the heartbeat in 30s"
            time.sleep(0.2)
    beat = Heartbeat.objects.get(name="celery")
    assert beat.last_seen is not None
