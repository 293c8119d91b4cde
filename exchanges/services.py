"""Writes on exchange accounts: connect, verify, suspend, enable, replace and remove a key.

Views, management commands, admin actions and tasks call these and nothing else. A key is
stored only after the exchange said it is read-only; a refused key leaves nothing behind but an
audit entry without the key.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from exchanges import errors
from exchanges.accounts import api_key_hash, load_credentials, store_credentials
from exchanges.catalog import ExchangeInfo, get_exchange
from exchanges.credentials import Credentials
from exchanges.encryption import CredentialsUnreadable
from exchanges.models import AuditEvent, ExchangeAccount
from exchanges.scopes import ScopeReport, inspect_key

logger = logging.getLogger(__name__)


class KeyRefused(Exception):
    """The key was not stored; `reasons` say why in plain words, `report` what was seen."""

    def __init__(self, reasons: list[str], report: ScopeReport | None = None):
        self.reasons = reasons
        self.report = report
        super().__init__("; ".join(reasons))


@dataclass
class Verification:
    """Return value of verify_account: the report, and whether the account was suspended."""

    report: ScopeReport | None
    suspended: bool
    reason: str = ""


def _exchange_or_refuse(exchange_id: str) -> ExchangeInfo:
    info = get_exchange(exchange_id)
    if info is None:
        raise KeyRefused([f"Porthole does not support the exchange “{exchange_id}”."])
    if not info.verifiable:
        raise KeyRefused(
            [
                f"{info.name} offers no way to ask what an API key may do, so Porthole cannot "
                "confirm that a key is read-only and does not accept keys for it. "
                "Importing its CSV exports is planned instead."
            ]
        )
    return info


def _check_fields(info: ExchangeInfo, credentials: Credentials) -> None:
    missing = [name for name in info.credential_fields if not getattr(credentials, name)]
    if missing:
        names = ", ".join(name.replace("_", " ") for name in missing)
        raise KeyRefused([f"{info.name} needs these as well: {names}."])


def _acceptance_problems(report: ScopeReport) -> list[str]:
    reasons = report.refusal_reasons()
    if settings.REQUIRE_IP_RESTRICTION and report.ip_restricted is not True:
        reasons.append(
            "This Porthole only accepts keys restricted to its IP address, and the exchange "
            "does not report this key as restricted. Add the server's IP address to the key."
        )
    return reasons


def _apply_report(account: ExchangeAccount, report: ScopeReport, now: datetime) -> None:
    account.scope_report = report.to_json()
    account.ip_restricted = report.ip_restricted
    account.key_expires_at = report.expires_at
    account.last_verified_at = now


@sensitive_variables("credentials")
def _verified_report(info: ExchangeInfo, credentials: Credentials) -> ScopeReport:
    """Return the report of a key that is acceptable; raise KeyRefused or ExchangeProblem."""
    _check_fields(info, credentials)
    report = inspect_key(info.id, credentials)
    reasons = _acceptance_problems(report)
    if reasons:
        raise KeyRefused(reasons, report)
    return report


def _audit_refusal(
    owner: Any,
    info_id: str,
    label: str,
    credentials: Credentials,
    reasons: list[str],
    actor: Any,
    account: ExchangeAccount | None = None,
) -> None:
    subject = account or ExchangeAccount(
        owner=owner, exchange_id=info_id, label=label, key_fingerprint=credentials.fingerprint
    )
    AuditEvent.record(
        subject,
        AuditEvent.Kind.REFUSED,
        "Key refused: " + " ".join(reasons),
        actor=actor,
        details={"reasons": reasons, "fingerprint": credentials.fingerprint},
    )


@sensitive_variables("credentials")
def connect_account(
    *, owner: Any, exchange_id: str, label: str, credentials: Credentials, actor: Any = None
) -> ExchangeAccount:
    """Return a new account for a key the exchange reports read-only; store nothing otherwise.

    Raises KeyRefused (not read-only, unsupported, duplicate) or an ExchangeProblem (the
    exchange could not be asked: wrong key, network, malformed answer…).
    """
    actor = actor or owner
    info = _exchange_or_refuse(exchange_id)
    key_hash = api_key_hash(credentials.api_key)
    if ExchangeAccount.objects.filter(exchange_id=exchange_id, key_hash=key_hash).exists():
        raise KeyRefused([f"This {info.name} key is already connected to Porthole."])
    try:
        report = _verified_report(info, credentials)
    except KeyRefused as refused:
        _audit_refusal(owner, exchange_id, label, credentials, refused.reasons, actor)
        raise
    except errors.ExchangeProblem as problem:
        _audit_refusal(owner, exchange_id, label, credentials, [problem.message], actor)
        raise
    account = ExchangeAccount(owner=owner, exchange_id=exchange_id, label=label)
    store_credentials(account, credentials)
    _apply_report(account, report, timezone.now())
    try:
        with transaction.atomic():
            account.save()
            AuditEvent.record(
                account,
                AuditEvent.Kind.ADDED,
                "Key added after its scope was verified read-only.",
                actor=actor,
                details={"summary": report.summary()},
            )
    except IntegrityError:
        # Connected by someone else between the check above and this save.
        raise KeyRefused([f"This {info.name} key is already connected to Porthole."]) from None
    logger.info(
        "account %s connected (%s, key %s)", account.pk, exchange_id, account.key_fingerprint
    )
    return account


def suspend_account(account: ExchangeAccount, reason: str, *, actor: Any = None) -> None:
    """Stop all use of the account's key and say why (shown to the owner)."""
    account.status = ExchangeAccount.Status.SUSPENDED
    account.status_reason = reason
    account.suspended_at = timezone.now()
    with transaction.atomic():
        account.save(update_fields=["status", "status_reason", "suspended_at", "updated_at"])
        AuditEvent.record(account, AuditEvent.Kind.SUSPENDED, reason, actor=actor)
    logger.warning("account %s suspended: %s", account.pk, reason)
    from notices.services import notify_account_suspended  # here: notices builds on exchanges

    # After commit, so a rolled-back suspension tells nobody; robust, so a failing notice
    # never undoes the suspension. A lambda, not a partial: the error log needs __qualname__.
    transaction.on_commit(lambda: notify_account_suspended(account.pk), robust=True)


def verify_account(account: ExchangeAccount, *, actor: Any = None) -> Verification:
    """Return the outcome of asking the exchange again what the stored key may do.

    A key that gained any trade, transfer or unknown scope, or no longer authenticates, is
    suspended. A transient problem (network, outage, rate limit) is raised unchanged: it says
    nothing about the key.
    """
    if not account.encrypted_credentials:
        raise errors.ExchangeProblem("This account has no key any more.")
    try:
        credentials = load_credentials(account)
    except CredentialsUnreadable:
        reason = (
            "The stored key cannot be decrypted with the configured CREDENTIALS_KEYS; "
            "replace the key or restore the encryption key."
        )
        suspend_account(account, reason, actor=actor)
        return Verification(None, suspended=True, reason=reason)
    try:
        report = inspect_key(account.exchange_id, credentials)
    except errors.ExchangeProblem as problem:
        if problem.transient:
            raise
        reason = f"Verification failed: {problem.message}"
        suspend_account(account, reason, actor=actor)
        return Verification(None, suspended=True, reason=reason)
    now = timezone.now()
    _apply_report(account, report, now)
    reasons = _acceptance_problems(report)
    with transaction.atomic():
        account.save(
            update_fields=[
                "scope_report",
                "ip_restricted",
                "key_expires_at",
                "last_verified_at",
                "updated_at",
            ]
        )
        if not reasons:
            AuditEvent.record(
                account, AuditEvent.Kind.VERIFIED, "Key verified read-only.", actor=actor
            )
    if reasons:
        reason = "The key is no longer read-only: " + " ".join(reasons)
        suspend_account(account, reason, actor=actor)
        return Verification(report, suspended=True, reason=reason)
    return Verification(report, suspended=False)


def enable_account(account: ExchangeAccount, *, actor: Any = None) -> Verification:
    """Return the verification that must pass before a suspended or disabled account is active."""
    outcome = verify_account(account, actor=actor)
    if outcome.suspended:
        return outcome
    account.status = ExchangeAccount.Status.ACTIVE
    account.status_reason = ""
    account.suspended_at = None
    with transaction.atomic():
        account.save(update_fields=["status", "status_reason", "suspended_at", "updated_at"])
        AuditEvent.record(
            account, AuditEvent.Kind.ENABLED, "Account enabled after verification.", actor=actor
        )
    return outcome


def disable_account(account: ExchangeAccount, *, actor: Any = None) -> None:
    """Stop syncing the account at its owner's wish (the key stays stored)."""
    account.status = ExchangeAccount.Status.DISABLED
    account.status_reason = "Disabled by its owner."
    with transaction.atomic():
        account.save(update_fields=["status", "status_reason", "updated_at"])
        AuditEvent.record(account, AuditEvent.Kind.DISABLED, account.status_reason, actor=actor)


@sensitive_variables("credentials")
def replace_key(
    account: ExchangeAccount, credentials: Credentials, *, actor: Any = None
) -> ExchangeAccount:
    """Return the account with a new verified key swapped in; its synced history stays.

    The old key stays in place if the new one is refused or cannot be checked.
    """
    info = _exchange_or_refuse(account.exchange_id)
    key_hash = api_key_hash(credentials.api_key)
    if (
        ExchangeAccount.objects.filter(exchange_id=account.exchange_id, key_hash=key_hash)
        .exclude(pk=account.pk)
        .exists()
    ):
        raise KeyRefused([f"This {info.name} key is already connected to Porthole."])
    try:
        report = _verified_report(info, credentials)
    except KeyRefused as refused:
        _audit_refusal(
            account.owner,
            account.exchange_id,
            account.label,
            credentials,
            refused.reasons,
            actor,
            account=account,
        )
        raise
    old_fingerprint = account.key_fingerprint
    with transaction.atomic():
        locked = ExchangeAccount.objects.select_for_update().get(pk=account.pk)
        store_credentials(locked, credentials)
        _apply_report(locked, report, timezone.now())
        locked.status = ExchangeAccount.Status.ACTIVE
        locked.status_reason = ""
        locked.suspended_at = None
        locked.save()
        AuditEvent.record(
            locked,
            AuditEvent.Kind.REPLACED,
            f"Key {old_fingerprint} replaced by {locked.key_fingerprint} after verification.",
            actor=actor,
        )
    return locked


def remove_key(account: ExchangeAccount, *, keep_data: bool, actor: Any = None) -> None:
    """Delete the stored credentials at once; keep the account's synced data if asked to."""
    with transaction.atomic():
        AuditEvent.record(
            account,
            AuditEvent.Kind.REMOVED,
            "Key removed; synced data kept." if keep_data else "Key and synced data removed.",
            actor=actor,
        )
        if keep_data:
            account.encrypted_credentials = ""
            account.key_hash = f"removed-{account.pk}"
            account.status = ExchangeAccount.Status.DISABLED
            account.status_reason = "Its key was removed; the synced history is kept."
            account.sync_enabled = False
            account.save()
        else:
            account.delete()
