import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_dashboard_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_renders_a_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_a_user_can_log_in_and_see_the_dashboard(client, django_user_model):
    django_user_model.objects.create_user("ana", password="a-long-password-1")
    response = client.post(
        reverse("login"), {"username": "ana", "password": "a-long-password-1"}, follow=True
    )
    assert response.status_code == 200
    assert b"Connect an exchange account" in response.content


def test_logout_ends_the_session(client, django_user_model):
    user = django_user_model.objects.create_user("ana", password="a-long-password-1")
    client.force_login(user)
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_healthz_reports_database_and_broker_and_no_secrets(client, settings):
    response = client.get("/healthz")
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    text = json.dumps(body)
    assert settings.SECRET_KEY not in text
    assert "://" not in text  # no URL, DSN or password in any detail


def test_healthz_reports_worker_and_scheduler_once_the_heartbeat_ran(client):
    from portfolio.tasks import heartbeat

    assert client.get("/healthz").json()["checks"]["worker"]["ok"] is False
    heartbeat.apply()
    body = client.get("/healthz").json()
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["scheduler"]["ok"] is True
    assert body["status"] == "ok"


def test_healthz_marks_an_old_heartbeat_as_late(client):
    from datetime import timedelta

    from django.utils import timezone

    from portfolio.models import Heartbeat

    Heartbeat.objects.create(name="celery", last_seen=timezone.now() - timedelta(hours=1))
    body = client.get("/healthz").json()
    assert body["checks"]["worker"]["ok"] is False
    assert body["status"] == "degraded"


def test_static_files_are_served_by_whitenoise_after_collectstatic():
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)
    response = Client().get("/static/css/porthole.css")
    assert response.status_code == 200


def test_the_first_admin_is_created_once_and_a_generated_password_is_temporary(
    django_user_model, capsys, monkeypatch
):
    from django.core.management import call_command

    from people.models import UserSecurity

    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    out = capsys.readouterr().out
    admin = django_user_model.objects.get(is_superuser=True)
    assert "Its password is:" in out
    assert UserSecurity.objects.get(user=admin).must_change_password is True
    call_command("ensure_admin")
    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert capsys.readouterr().out == ""


def test_an_admin_password_from_the_environment_is_not_printed(
    django_user_model, capsys, monkeypatch
):
    from django.core.management import call_command

    monkeypatch.setenv("ADMIN_PASSWORD", "a-chosen-password-42")
    call_command("ensure_admin")
    assert "a-chosen-password-42" not in capsys.readouterr().out
    assert django_user_model.objects.get(is_superuser=True).check_password("a-chosen-password-42")
