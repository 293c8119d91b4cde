"""Writes of notices: tell a user about an event once, in the app and/or by email, as they
chose; remember sign-in devices; mark notices read; save preferences.

Messages are written here, from labels, statuses, dates and the owner-facing reasons the
exchanges app already shows its owner; never from amounts, balances, prices or key material.
"""

import ipaddress
import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from exchanges.catalog import exchange_name
from exchanges.models import ExchangeAccount
from notices import selectors
from notices.models import Kind, KnownDevice, Notice, NoticePreference

logger = logging.getLogger(__name__)

# An owner-facing reason is short; a longer one is cut rather than filling an inbox.
MAX_REASON_CHARS = 500


def notify(
    user: AbstractBaseUser, kind: str, message: str, *, event: str, link: str = ""
) -> Notice | None:
    """Return the new notice of an event, shown in the app and/or emailed as the user chose;
    None when the user wants this kind nowhere or was already told of this event.

    event names the event within its kind (an account and a day, say): the pair is told once.
    """
    channels = selectors.channels_for(user, kind)
    by_email = channels.email and settings.EMAIL_CONFIGURED and bool(user.email)
    if not (channels.in_app or by_email):
        return None
    notice, created = Notice.objects.get_or_create(
        user=user,
        dedupe_key=f"{kind}:{event}"[:200],
        defaults={"kind": kind, "message": message, "link": link, "in_app": channels.in_app},
    )
    if not created:
        return None
    if by_email and _email(user, notice):
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return notice


def _email(user: AbstractBaseUser, notice: Notice) -> bool:
    try:
        send_mail(
            subject=f"Porthole: {notice.get_kind_display()}",
            message=render_to_string("notices/notice_email.txt", {"user": user, "notice": notice}),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception as exc:  # any SMTP or network error: the notice in the app remains
        logger.warning("Notice email to user %s failed: %s", user.pk, exc.__class__.__name__)
        return False
    return True


def _account_link(account_id: int) -> str:
    return reverse("exchanges:detail", args=[account_id])


# --- Events ---------------------------------------------------------------------------------


def notify_account_suspended(account_id: int) -> Notice | None:
    """Return the notice telling the owner their account was suspended (its key refused on a
    re-check, failing to authenticate, or suspended by an admin); None if already told today
    or no longer suspended."""
    account = ExchangeAccount.objects.select_related("owner").filter(pk=account_id).first()
    if account is None or account.status != ExchangeAccount.Status.SUSPENDED:
        return None
    reason = account.status_reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 1] + "…"
    message = (
        f"Porthole stopped using the key of your {exchange_name(account.exchange_id)} "
        f"account “{account.label}” (key {account.key_fingerprint}). {reason} "
        "Nothing is synced until you replace the key or enable the account again."
    )
    return notify(
        account.owner,
        Kind.SUSPENDED,
        message,
        event=f"{account.pk}:{timezone.now():%Y-%m-%d}",
        link=_account_link(account.pk),
    )


def notify_failing_syncs(now: datetime | None = None) -> int:
    """Return how many owners were newly told that an account has not synced for more than
    a day; each failing stretch of an account is told once."""
    stale = [found for found in selectors.failing_syncs(now) if found.stale]
    owners = get_user_model().objects.in_bulk({found.owner_id for found in stale})
    told = 0
    for found in stale:
        since = (
            f"since {found.last_success_at:%Y-%m-%d %H:%M} UTC"
            if found.last_success_at
            else "since it was connected"
        )
        message = (
            f"Your {found.exchange_name} account “{found.label}” has not synced successfully "
            f"{since} (newest attempt: {found.newest_status_label.lower()}). "
            "Its page says what went wrong."
        )
        # Keyed on the last success: a new failing stretch after a good sync is told again.
        last = found.last_success_at.isoformat() if found.last_success_at else "never"
        event = f"{found.account_id}:{last}"
        if notify(
            owners[found.owner_id],
            Kind.SYNC_FAILING,
            message,
            event=event,
            link=_account_link(found.account_id),
        ):
            told += 1
    return told


def notify_rotation_due(now: datetime | None = None) -> int:
    """Return how many owners were newly told that a key is due for rotation; each key is
    told of once."""
    due = selectors.keys_due_for_rotation(now)
    owners = get_user_model().objects.in_bulk({key.owner_id for key in due})
    told = 0
    for key in due:
        message = (
            f"The key of your {key.exchange_name} account “{key.label}” is {key.age_days} days "
            f"old (your reminder is at {key.reminder_days} days). Make a new read-only key on "
            "the exchange, replace it in Porthole, then delete the old one on the exchange."
        )
        # Keyed on when the key was added: replacing it starts a new reminder.
        event = f"{key.account_id}:{key.key_added_at.isoformat()}"
        if notify(
            owners[key.owner_id],
            Kind.ROTATION_DUE,
            message,
            event=event,
            link=_account_link(key.account_id),
        ):
            told += 1
    return told


# --- Sign-in devices ------------------------------------------------------------------------


def network_prefix(ip: str) -> str:
    """Return the network an address belongs to (IPv4 /24, IPv6 /48), or "unknown"."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    # A prefix, not the address: a phone's or a home line's address changes within it.
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def device_hash(user: AbstractBaseUser, user_agent: str, ip: str) -> str:
    """Return the keyed hash that stands for a browser on a network, for one user."""
    # Keyed with SECRET_KEY, so a leaked table cannot be matched against guessed agents; a
    # new SECRET_KEY makes every device new once.
    value = f"{user.pk}|{user_agent[:500]}|{network_prefix(ip)}"
    return salted_hmac("notices.device", value, algorithm="sha256").hexdigest()


def record_sign_in(user: AbstractBaseUser, user_agent: str, ip: str) -> Notice | None:
    """Return the notice of a sign-in from a device the user never signed in from before
    (None for a known one, or for the very first sign-in); the device is remembered."""
    digest = device_hash(user, user_agent, ip)
    now = timezone.now()
    with transaction.atomic():
        first_ever = not KnownDevice.objects.filter(user=user).exists()
        _, created = KnownDevice.objects.get_or_create(
            user=user, device_hash=digest, defaults={"first_seen": now, "last_seen": now}
        )
    if not created:
        KnownDevice.objects.filter(user=user, device_hash=digest).update(last_seen=now)
        return None
    if first_ever:
        return None
    message = (
        "Someone signed in to your Porthole account from a browser or network not seen "
        f"before (network {network_prefix(ip)}). If it was not you, change your password "
        "and turn on two-factor authentication."
    )
    return notify(user, Kind.NEW_DEVICE, message, event=digest, link=reverse("people:security"))


# --- Reading and preferences ----------------------------------------------------------------


def mark_read(notice: Notice) -> None:
    """Mark one notice read (it stays listed)."""
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])


def mark_all_read(user: AbstractBaseUser) -> int:
    """Return how many of the user's unread notices were marked read."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def set_preferences(user: AbstractBaseUser, choices: dict[str, selectors.Channels]) -> None:
    """Save the user's channels for each kind given."""
    with transaction.atomic():
        for kind, channels in choices.items():
            NoticePreference.objects.update_or_create(
                user=user,
                kind=Kind(kind),
                defaults={"in_app": channels.in_app, "email": channels.email},
            )
