"""The deployment files agree with the code, and bad configuration fails in one clear line."""

import os
import re
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
# Every way the code reads a named variable: env("X"), env.bool("X"), env_value("X"), ...
ENV_READ = re.compile(
    r"""(?:\benv(?:\.\w+)?|env_value|os\.environ\.get|os\.environ\.setdefault|os\.getenv)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# Read only so that one process can find its settings; not configuration a person sets.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env_example() -> str:
    return (ROOT / ".env.example").read_text()


def documented_names(text: str) -> set[str]:
    """Return the variables .env.example sets or shows commented out."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_has_the_five_services(compose):
    assert set(compose["services"]) == {"db", "redis", *APP_SERVICES}
    assert compose["services"]["db"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")


def test_app_services_share_one_image_built_from_this_repository(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (build if isinstance(build, str) else build["context"]) == "."


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_its_start_component(compose, name):
    from portfolio.management.commands.start import COMPONENTS

    command = compose["services"][name]["command"]
    if isinstance(command, str):
        command = command.split()
    start = command.index("manage.py")
    assert command[start + 1 : start + 4] == ["start", "--only", name]
    assert name in COMPONENTS


def test_only_web_publishes_a_port(compose):
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"web"}


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test != ["NONE"], f"{name} has no healthcheck"


def test_app_services_wait_for_healthy_dependencies(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency in depends_on.values():
            assert dependency["condition"] == "service_healthy"
    assert set(services["web"]["depends_on"]) == {"db", "redis"}


def test_volumes_are_named(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume["source"]
            assert source in declared, f"{name} mounts {source!r}, not a named volume"


def test_app_services_read_env_file_and_keep_data_in_the_volume(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] in (".env", [".env"])
        assert service["environment"]["DATA_DIR"] == "/data"
        assert any(v.split(":")[1] == "/data" for v in service["volumes"])


# --- Dockerfile -----------------------------------------------------------------------------


def test_dockerfile_runs_as_an_unprivileged_user_and_bakes_in_no_secret():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install -c requirements/constraints.txt ." in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    for line in re.findall(r"^(?:ENV|ARG)\s.*$", dockerfile, flags=re.MULTILINE):
        assert not re.search(r"SECRET|PASSWORD|CREDENTIALS|DATABASE_URL", line), line
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored and "data" in ignored


# --- .env.example ---------------------------------------------------------------------------


def test_env_example_mentions_every_variable_the_code_reads(env_example):
    sources = [
        "portfolio/settings.py",
        "portfolio/config.py",
        "portfolio/management/commands/start.py",
        "portfolio/management/commands/ensure_admin.py",
        "porthole.py",
    ]
    read = set()
    for source in sources:
        read |= set(ENV_READ.findall((ROOT / source).read_text()))
    assert {"SECRET_KEY", "DATABASE_URL", "HTTPS"} <= read  # the pattern still finds reads
    missing = read - NOT_CONFIGURATION - documented_names(env_example)
    assert not missing, f".env.example does not mention {sorted(missing)}"


def test_env_example_holds_no_real_secret(env_example):
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", env_example, flags=re.MULTILINE))
    for name in ("SECRET_KEY", "CREDENTIALS_KEYS", "POSTGRES_PASSWORD"):
        assert values[name] == "", f"{name} must be left for the person to fill in"


def test_env_example_mentions_the_compose_variables(compose, env_example):
    text = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    assert interpolated <= documented_names(env_example)


# --- Celery ---------------------------------------------------------------------------------


def test_celery_app_is_json_only_with_late_acks_and_time_limits():
    from portfolio.celery import app

    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


def schedule_interval(schedule) -> timedelta:
    """Return the interval of a beat schedule given as seconds, timedelta or schedule()."""
    from celery.schedules import schedule as interval_schedule

    if isinstance(schedule, int | float):
        return timedelta(seconds=schedule)
    if isinstance(schedule, timedelta):
        return schedule
    if type(schedule) is interval_schedule:
        return schedule.run_every
    raise AssertionError(f"no expiry rule for {schedule!r}: extend schedule_interval()")


def test_every_periodic_task_expires_before_its_next_run():
    from portfolio.celery import beat_schedule

    entries = beat_schedule()
    assert "heartbeat" in entries
    for name, entry in entries.items():
        expires = entry.get("options", {}).get("expires")
        assert expires is not None, f"{name} has no expires option"
        interval = schedule_interval(entry["schedule"]).total_seconds()
        assert 0 < expires < interval, f"{name}: expires {expires}s, runs every {interval}s"


def test_beat_schedule_is_installed_on_the_app():
    from portfolio.celery import app, beat_schedule

    app.finalize()
    assert set(app.conf.beat_schedule) == set(beat_schedule())


# --- Configuration mistakes: one line, no traceback -----------------------------------------


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """Return this environment without any Porthole variable, plus a fresh DATA_DIR and values.

    The variables for which "" means unset are set to "" rather than removed, so that a
    developer's .env (which only fills in what is unset) cannot leak into these runs.
    """
    names = documented_names((ROOT / ".env.example").read_text())
    env = {k: v for k, v in os.environ.items() if k not in names and not k.endswith("_FILE")}
    blank = ("SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL", "REDIS_URL", "CREDENTIALS_KEYS")
    env.update(dict.fromkeys(blank, ""))
    env.update(
        DEBUG="false",
        DATA_DIR=str(tmp_path / "data"),
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="portfolio.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(values)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, start: str) -> str:
    stderr = result.stderr.strip()
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert len(stderr.splitlines()) == 1, result.stderr
    assert stderr.startswith(start), stderr
    return stderr


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"DATABASE_URL": "mysql2://x"}, "DATABASE_URL has the scheme 'mysql2'"),
        ({"DATABASE_URL": "garbage"}, "DATABASE_URL has the scheme"),
        ({"DATABASE_URL": "postgres://u:p@[broken/db"}, "DATABASE_URL cannot be parsed"),
        ({"DATABASE_URL": "postgres://u@127.0.0.1:5432"}, "DATABASE_URL names no database"),
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL must look like"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE=/nonexistent/secret"),
    ],
    ids=[
        "mysql",
        "garbage-url",
        "unparsable-url",
        "no-db-name",
        "redis-scheme",
        "no-secret",
        "missing-secret-file",
    ],
)
def test_configuration_mistake_is_one_line_exit_2(tmp_path, values, expected):
    env = clean_env(tmp_path, **{"SECRET_KEY": "a-test-secret-key-" + "x" * 40, **values})
    if "SECRET_KEY_FILE" in values:
        env["SECRET_KEY"] = ""
    result = manage(env, "check")
    assert result.returncode == 2, result.stderr
    line = assert_one_line_error(result, "porthole: configuration error:")
    assert expected in line
    assert "p@" not in line  # a password in a URL is never echoed


def test_a_command_run_beside_an_embedded_start_uses_the_key_it_generated(tmp_path):
    env = clean_env(tmp_path)  # no SECRET_KEY, as in a shell next to `porthole.py start`
    key_file = tmp_path / "data" / "secret_key"
    key_file.parent.mkdir(parents=True)
    key_file.write_text("a-generated-secret-key-" + "y" * 40 + "\n")
    show = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = manage(env, "shell", "-c", show)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "a-generated-secret-key-" + "y" * 40


def test_start_with_an_unreachable_broker_fails_fast_in_one_line(tmp_path):
    env = clean_env(
        tmp_path,
        SECRET_KEY="a-test-secret-key-" + "x" * 40,
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
        CREDENTIALS_KEYS=Fernet.generate_key().decode(),
    )
    began = time.monotonic()
    result = manage(env, "start", timeout=60)
    elapsed = time.monotonic() - began
    assert result.returncode != 0
    line = assert_one_line_error(result, "CommandError: cannot reach the Celery broker")
    assert "REDIS_URL" in line and "127.0.0.1:1" not in line
    assert elapsed < 20, f"the broker preflight took {elapsed:.1f}s"


def test_broker_check_gives_up_on_a_server_that_never_answers():
    """A host that accepts connections but never replies must not hang /healthz or start."""
    import socket

    from portfolio import health
    from portfolio.celery import app

    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        broker_url, transport_options = app.conf.broker_url, app.conf.broker_transport_options
        app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
        app.conf.broker_transport_options = {}
        try:
            began = time.monotonic()
            result = health.check_broker()
            elapsed = time.monotonic() - began
        finally:
            app.conf.broker_url, app.conf.broker_transport_options = broker_url, transport_options
    assert result["ok"] is False
    assert elapsed < 4 * health.BROKER_CHECK_TIMEOUT


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = clean_env(
        tmp_path,
        HTTPS="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="porthole.example.com",
        CREDENTIALS_KEYS=Fernet.generate_key().decode(),
    )
    del env["DEBUG"]
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
