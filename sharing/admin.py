"""Shares in the admin: who sees whose portfolio, at which level; deleting one revokes it."""

from django.contrib import admin

from sharing.models import Share


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ("owner", "viewer", "level", "created_at")
    list_filter = ("level", "owner", "viewer")
    list_select_related = ("owner", "viewer")
    search_fields = ("owner__username", "viewer__username")
    fields = ("owner", "viewer", "level", "created_at")
    readonly_fields = ("created_at",)
