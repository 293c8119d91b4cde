"""Reads for notices and for the admin's instance overview.

The overview is for the admin, who must not see anyone's holdings: everything here is counts,
labels, usernames, statuses and dates. No query below touches balances, trades, transfers,
prices or values, and no run message is passed on (only its status and exception class).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from exchanges.catalog import exchange_name
from exchanges.models import ExchangeAccount
from exchanges.selectors import key_rotation_due
from exchanges.sync.models import SyncRun
from notices.models import Kind, Notice, NoticePreference
from portfolio.models import UserSettings

# A sync that has not succeeded for this long (or twice the account's interval, if longer)
# is failing, whatever its newest run says.
FAILING_AFTER = timedelta(days=1)


# --- Preferences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Channels:
    """Where one kind of notice reaches a user."""

    in_app: bool
    email: bool


# Problems with a key or a sync need the owner; a new-device alert is for those who ask.
DEFAULT_CHANNELS = {
    Kind.SUSPENDED: Channels(in_app=True, email=True),
    Kind.SYNC_FAILING: Channels(in_app=True, email=True),
    Kind.ROTATION_DUE: Channels(in_app=True, email=False),
    Kind.NEW_DEVICE: Channels(in_app=False, email=False),
}


def preferences_for(user) -> dict[str, Channels]:
    """Return the user's channels for every kind, their own choice or the default."""
    chosen = {
        p.kind: Channels(in_app=p.in_app, email=p.email)
        for p in NoticePreference.objects.filter(user=user)
    }
    return {kind.value: chosen.get(kind.value, DEFAULT_CHANNELS[kind]) for kind in Kind}


def channels_for(user, kind: str) -> Channels:
    """Return the user's channels for one kind of notice."""
    found = NoticePreference.objects.filter(user=user, kind=kind).first()
    if found is None:
        return DEFAULT_CHANNELS[Kind(kind)]
    return Channels(in_app=found.in_app, email=found.email)


# --- Notices --------------------------------------------------------------------------------


def notices_for(user) -> QuerySet[Notice]:
    """Return the user's in-app notices, newest first."""
    return Notice.objects.filter(user=user, in_app=True)


def unread_count(user) -> int:
    """Return how many of the user's in-app notices are unread."""
    return Notice.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def notice_for(user, notice_id: int) -> Notice | None:
    """Return the user's own in-app notice with that id, or None (also for anyone else's)."""
    return notices_for(user).filter(pk=notice_id).first()


# --- Accounts needing attention -------------------------------------------------------------


@dataclass(frozen=True)
class FailingSync:
    """An active account whose newest sync failed, or that has not synced for too long.

    stale: no successful sync for FAILING_AFTER (or twice the account's interval), counted
    from when the account was connected if it never synced.
    """

    account_id: int
    owner_id: int
    owner_username: str
    exchange_id: str
    exchange_name: str
    label: str
    newest_status: str
    newest_status_label: str
    newest_error_class: str
    last_success_at: datetime | None
    stale: bool


def failing_syncs(now: datetime | None = None) -> list[FailingSync]:
    """Return the active, syncing accounts whose newest run failed or whose data is stale."""
    now = now or timezone.now()
    newest = SyncRun.objects.filter(account=OuterRef("pk")).order_by("-started_at", "-pk")
    accounts = (
        ExchangeAccount.objects.filter(status=ExchangeAccount.Status.ACTIVE, sync_enabled=True)
        .exclude(encrypted_credentials="")
        .select_related("owner")
        .annotate(
            newest_status=Subquery(newest.values("status")[:1]),
            newest_error_class=Subquery(newest.values("error_class")[:1]),
        )
        .order_by("owner__username", "exchange_id", "label", "pk")
    )
    labels = dict(SyncRun.Status.choices)
    found = []
    for account in accounts:
        since = account.last_sync_at or account.created_at
        stale = now - since > max(FAILING_AFTER, 2 * account.sync_interval)
        failed = account.newest_status in (SyncRun.Status.FAILED, SyncRun.Status.RETRYING)
        if not (stale or failed):
            continue
        status = account.newest_status or "never"
        found.append(
            FailingSync(
                account_id=account.pk,
                owner_id=account.owner_id,
                owner_username=account.owner.get_username(),
                exchange_id=account.exchange_id,
                exchange_name=exchange_name(account.exchange_id),
                label=account.label,
                newest_status=status,
                newest_status_label=labels.get(status, "Never synced"),
                newest_error_class=account.newest_error_class or "",
                last_success_at=account.last_sync_at,
                stale=stale,
            )
        )
    return found


@dataclass(frozen=True)
class DueKey:
    """An account whose key is older than its owner's rotation reminder."""

    account_id: int
    owner_id: int
    owner_username: str
    exchange_id: str
    exchange_name: str
    label: str
    status_label: str
    key_added_at: datetime
    age_days: int
    reminder_days: int


def keys_due_for_rotation(now: datetime | None = None) -> list[DueKey]:
    """Return every stored key at least as old as its owner's rotation reminder (their
    setting, else KEY_ROTATION_DAYS), oldest first."""
    now = now or timezone.now()
    reminders = dict(UserSettings.objects.values_list("user_id", "rotation_reminder_days"))
    accounts = (
        ExchangeAccount.objects.exclude(encrypted_credentials="")
        .select_related("owner")
        .order_by("key_added_at", "pk")
    )
    due = []
    for account in accounts:
        reminder = reminders.get(account.owner_id, settings.KEY_ROTATION_DAYS)
        if not key_rotation_due(account, reminder, now):
            continue
        due.append(
            DueKey(
                account_id=account.pk,
                owner_id=account.owner_id,
                owner_username=account.owner.get_username(),
                exchange_id=account.exchange_id,
                exchange_name=exchange_name(account.exchange_id),
                label=account.label,
                status_label=account.get_status_display(),
                key_added_at=account.key_added_at,
                age_days=(now - account.key_added_at).days,
                reminder_days=reminder,
            )
        )
    return due


# --- The admin's overview -------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeStatusCounts:
    """How many accounts on one exchange (or all, for the total) are in each status."""

    exchange_id: str
    exchange_name: str
    active: int
    suspended: int
    disabled: int

    @property
    def total(self) -> int:
        """Return the number of accounts counted."""
        return self.active + self.suspended + self.disabled


@dataclass(frozen=True)
class InstanceOverview:
    """What the admin's overview page shows: counts, statuses, usernames, labels and dates."""

    accounts_by_exchange: list[ExchangeStatusCounts]
    accounts_total: ExchangeStatusCounts
    failing_syncs: list[FailingSync]
    keys_due: list[DueKey]
    generated_at: datetime


def accounts_by_exchange() -> list[ExchangeStatusCounts]:
    """Return the number of accounts per status on each exchange, by exchange id."""
    counts: dict[str, dict[str, int]] = {}
    rows = (
        ExchangeAccount.objects.order_by()
        .values("exchange_id", "status")
        .annotate(n=Count("pk"))
        .order_by("exchange_id")
    )
    for row in rows:
        counts.setdefault(row["exchange_id"], {})[row["status"]] = row["n"]
    return [
        ExchangeStatusCounts(
            exchange_id=exchange_id,
            exchange_name=exchange_name(exchange_id),
            active=by_status.get(ExchangeAccount.Status.ACTIVE, 0),
            suspended=by_status.get(ExchangeAccount.Status.SUSPENDED, 0),
            disabled=by_status.get(ExchangeAccount.Status.DISABLED, 0),
        )
        for exchange_id, by_status in counts.items()
    ]


def instance_overview(now: datetime | None = None) -> InstanceOverview:
    """Return the state of every account on this Porthole, without anyone's holdings."""
    now = now or timezone.now()
    per_exchange = accounts_by_exchange()
    total = ExchangeStatusCounts(
        exchange_id="",
        exchange_name="All exchanges",
        active=sum(row.active for row in per_exchange),
        suspended=sum(row.suspended for row in per_exchange),
        disabled=sum(row.disabled for row in per_exchange),
    )
    return InstanceOverview(
        accounts_by_exchange=per_exchange,
        accounts_total=total,
        failing_syncs=failing_syncs(now),
        keys_due=keys_due_for_rotation(now),
        generated_at=now,
    )
