"""Run Porthole: migrate, create the first admin, then web, worker and scheduler together."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portfolio.health import check_broker

COMPONENTS = ("web", "worker", "beat")


def component_command(name: str, bind: str, workers: int, embedded: bool) -> list[str]:
    """Return the argv that runs one component (also what docker-compose.yml runs)."""
    python = sys.executable
    if name == "web":
        return [
            python,
            "-m",
            "gunicorn",
            "portfolio.wsgi",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
            # Nothing uses gunicornc; its socket in ~/.gunicorn would clash between instances.
            "--no-control-socket",
        ]
    beat_args = ["--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME]
    if name == "worker":
        # The filesystem broker has one consumer: the worker embeds beat instead of a 2nd process.
        extra = ["--beat", *beat_args] if embedded else []
        return [
            python,
            "-m",
            "celery",
            "-A",
            "portfolio",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            *extra,
        ]
    if name == "beat":
        return [python, "-m", "celery", "-A", "portfolio", "beat", "--loglevel", "INFO", *beat_args]
    raise CommandError(f"unknown component {name!r}")


def flush_output() -> None:
    """Flush what this process wrote so far (block-buffered when sent to a file or pipe)."""
    sys.stdout.flush()
    sys.stderr.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Migrate, ensure an admin exists, and run web, worker and scheduler in the foreground."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
        parser.add_argument(
            "--only",
            choices=COMPONENTS,
            help="run just one component in the foreground (docker-compose)",
        )
        parser.add_argument("--skip-migrate", action="store_true")

    def handle(
        self, *args, bind: str, workers: int, only: str | None, skip_migrate: bool, **options
    ) -> None:
        self.preflight()
        if not skip_migrate and only in (None, "web"):
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            call_command("ensure_admin")
        embedded = not settings.REDIS_URL
        if only:
            argv = component_command(only, bind, workers, embedded)
            flush_output()  # execv drops unflushed output, such as the first admin's password
            os.execv(argv[0], argv)  # noqa: S606
        names = ["web", "worker"] if embedded else list(COMPONENTS)
        self.run_all({n: component_command(n, bind, workers, embedded) for n in names}, bind)

    def preflight(self) -> None:
        """Fail with one clear line when the database or broker is unreachable."""
        try:
            connection.ensure_connection()
        except Exception as exc:
            raise CommandError(
                f"cannot reach the database ({exc.__class__.__name__}): check DATABASE_URL"
            ) from None
        broker = check_broker()
        if not broker["ok"]:
            raise CommandError(
                f"cannot reach the Celery broker ({broker['detail']}): check REDIS_URL"
            )

    def run_all(self, commands: dict[str, list[str]], bind: str) -> None:
        # A service manager's SIGTERM stops everything the same way Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        flush_output()  # our lines first, before the children's in a shared log
        children = {name: subprocess.Popen(argv) for name, argv in commands.items()}  # noqa: S603
        host, _, port = bind.rpartition(":")
        self.stdout.write(
            self.style.SUCCESS(
                f"Porthole is running at http://{host}:{port}/  ({', '.join(children)}; "
                "Ctrl-C stops all)"
            )
        )
        flush_output()
        try:
            while all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
            dead = [name for name, child in children.items() if child.poll() is not None]
            self.stderr.write(f"porthole: {', '.join(dead)} stopped; stopping the rest")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            self.stop(children)

    @staticmethod
    def stop(children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
