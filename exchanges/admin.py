"""Admin views of exchange accounts and their audit trail: fingerprints only, never secrets.

Accounts are connected only through the verified flow, so the admin cannot add one; the
encrypted token and the key hash are neither shown nor editable; the audit trail is read-only.
"""

from django.contrib import admin
from django.http import HttpRequest

from exchanges.models import AuditEvent, ExchangeAccount

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
    )
    list_filter = ("exchange_id", "status", "owner")
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

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
