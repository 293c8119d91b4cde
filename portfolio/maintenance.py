"""Database upkeep the application owes SQLite (PostgreSQL's autovacuum does it by itself).

Without planner statistics SQLite answers "newest fifty trades of these accounts" by sorting
the whole history (over 100 ms at 100,000 trades, instead of 2 ms with them).
"""

from django.db import connection


def optimize_after_writes() -> None:
    """Let SQLite refresh the statistics of tables this connection changed a lot."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")


def analyze_database() -> None:
    """Refresh all of SQLite's planner statistics (the daily task)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
