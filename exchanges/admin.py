"""Admin views of exchange accounts and their audit trail: fingerprints only, never secrets.

Accounts are connected only through the verified flow, so the admin cannot add one; the
encrypted token and the key hash are neither shown nor editable; the audit trail is read-only.
"""

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from exchanges import services
from exchanges.errors import ExchangeProblem
from exchanges.models import AuditEvent, ExchangeAccount
from exchanges.sync.models import SyncRun

# Shown and never editable here: status changes go through the services, which audit them.
_ACCOUNT_READ_ONLY = (
    "owner",
    "exchange_id",
    "key_fingerprint",
    "key_age_days",
    "key_added_at",
    "key_expires_at",
    "ip_restricted",
    "status",
    "status_reason",
    "suspended_at",
    "scope_summary",
    "scope_report",
    "last_verified_at",
    "last_sync_at",
    "created_at",
    "updated_at",
)


@admin.register(ExchangeAccount)
class ExchangeAccountAdmin(admin.ModelAdmin):
    list_display = (
        "owner",
        "exchange_id",
        "label",
        "status",
        "scope_summary",
        "key_fingerprint",
        "key_age_days",
        "last_verified_at",
        "last_sync_at",
        "last_error",
    )
    list_filter = ("exchange_id", "status", "owner")
    actions = ("verify_now", "sync_now", "suspend", "reenable")
    search_fields = ("label",)
    # Listed explicitly so a field added to the model later is not shown by default.
    fields = ("label", "sync_enabled", "sync_interval", *_ACCOUNT_READ_ONLY)
    readonly_fields = _ACCOUNT_READ_ONLY
    exclude = ("encrypted_credentials", "key_hash")
    list_select_related = ("owner",)

    @admin.display(description="Scope")
    def scope_summary(self, account: ExchangeAccount) -> str:
        return account.scope_summary

    @admin.display(description="Key age (days)", ordering="-key_added_at")
    def key_age_days(self, account: ExchangeAccount) -> int:
        return account.key_age.days

    @admin.display(description="Last error")
    def last_error(self, account: ExchangeAccount) -> str:
        # Only while the newest run is the failed one: an error fixed since is not shown.
        if account.latest_run_status in (SyncRun.Status.FAILED, SyncRun.Status.RETRYING):
            return account.latest_run_message
        return ""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        latest = SyncRun.objects.filter(account=OuterRef("pk")).order_by("-started_at", "-pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_run_status=Subquery(latest.values("status")[:1]),
                latest_run_message=Subquery(latest.values("message")[:1]),
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # Actions: thin callers of the services, which check with the exchange and audit.
    def _check_keys(
        self, request: HttpRequest, queryset: QuerySet, check, success: str, refused: str
    ) -> None:
        """Run a verifying service on each account with a key and report each outcome."""
        for account in queryset.exclude(encrypted_credentials=""):
            try:
                outcome = check(account, actor=request.user)
            except ExchangeProblem as problem:
                self.message_user(
                    request, f"{account}: not checked: {problem.message}", messages.WARNING
                )
                continue
            if outcome.suspended:
                self.message_user(
                    request, f"{account}: {refused}: {outcome.reason}", messages.ERROR
                )
            else:
                self.message_user(request, f"{account}: {success}", messages.SUCCESS)

    @admin.action(description="Verify key scope now")
    def verify_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._check_keys(request, queryset, services.verify_account, "read only", "suspended")

    @admin.action(description="Sync now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        from exchanges.tasks import sync_account

        accounts = queryset.filter(status=ExchangeAccount.Status.ACTIVE).exclude(
            encrypted_credentials=""
        )
        for account in accounts:
            sync_account.delay(account.pk)
        self.message_user(request, f"Queued a sync of {len(accounts)} active account(s).")

    @admin.action(description="Suspend")
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        for account in queryset.exclude(status=ExchangeAccount.Status.SUSPENDED):
            services.suspend_account(account, "Suspended by an administrator.", actor=request.user)
        self.message_user(request, "Suspended.")

    @admin.action(description="Re-enable (verifies the key first)")
    def reenable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._check_keys(
            request, queryset, services.enable_account, "verified and active", "still refused"
        )

    def delete_model(self, request: HttpRequest, obj: ExchangeAccount) -> None:
        AuditEvent.record(obj, AuditEvent.Kind.REMOVED, "Removed in the admin.", actor=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for account in queryset:
            AuditEvent.record(
                account, AuditEvent.Kind.REMOVED, "Removed in the admin.", actor=request.user
            )
        super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "exchange_id",
        "account_label",
        "owner",
        "actor",
        "message",
    )
    list_filter = ("kind", "exchange_id")
    search_fields = ("account_label", "message")
    list_select_related = ("owner", "actor")
    date_hierarchy = "created_at"

    # A trail that can be edited proves nothing: view only, for everyone.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    """Sync runs: when, how they ended and how many records; never amounts or holdings."""

    list_display = (
        "started_at",
        "account",
        "status",
        "counts",
        "requests",
        "error_class",
        "message",
    )
    list_filter = ("status", "account__exchange_id")
    search_fields = ("account__label",)
    list_select_related = ("account",)
    fields = (
        "account",
        "started_at",
        "finished_at",
        "status",
        "counts",
        "requests",
        "progress",
        "error_class",
        "message",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False
