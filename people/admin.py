"""Admin of people: invites, temporary passwords, reset links and two-factor resets.

Invite tokens exist only as hashes, so a link is shown once, right after it is made (or
emailed); authenticator secrets and recovery codes are never shown here.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from people import selectors, services
from people.models import Invite, UserSecurity

User = get_user_model()

_TEMPORARY_HELP = "The person must replace this password with their own when they first log in."


def _report_link(modeladmin: admin.ModelAdmin, request: HttpRequest, issued) -> None:
    if issued.emailed:
        modeladmin.message_user(
            request, f"Invite link emailed to {issued.invite.email}.", messages.SUCCESS
        )
        return
    reason = issued.problem or (
        "Email is not configured" if issued.invite.email else "The invite has no email address"
    )
    modeladmin.message_user(
        request,
        f"{reason}: give {issued.invite} this link yourself (valid until "
        f"{timezone.localtime(issued.invite.expires_at):%Y-%m-%d %H:%M %Z}, usable once, "
        f"not shown again): "
        f"{issued.link}",
        messages.WARNING,
    )


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "username", "state", "created_by", "expires_at", "user")
    list_select_related = ("created_by", "user")
    search_fields = ("email", "username")
    actions = ("renew",)
    # Always a week: the renew action gives another one.
    fields = ("email", "username")
    _ALL_FIELDS = ("email", "username", "created_by", "created_at", "expires_at", "used_at", "user")

    @admin.display(description="State")
    def state(self, invite: Invite) -> str:
        return invite.state.label

    def get_fields(self, request: HttpRequest, obj: Invite | None = None):
        return self.fields if obj is None else self._ALL_FIELDS

    # An invite is made and then only used, renewed or deleted, never edited.
    def has_change_permission(self, request: HttpRequest, obj: Invite | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Invite, form, change: bool) -> None:
        issued = services.issue_invite(obj, created_by=request.user, request=request)
        _report_link(self, request, issued)

    @admin.action(description="Renew: new link valid for 7 days (the old link stops working)")
    def renew(self, request: HttpRequest, queryset: QuerySet) -> None:
        for invite in queryset.filter(used_at__isnull=True):
            _report_link(self, request, services.renew_invite(invite, request=request))
        if queryset.filter(used_at__isnull=False).exists():
            self.message_user(request, "Used invites were left as they are.", messages.INFO)


# --- Users ------------------------------------------------------------------------------------


class NewUserForm(AdminUserCreationForm):
    """The admin's add-user form, with the password temporary unless unticked."""

    must_change_password = forms.BooleanField(
        label="Temporary password", required=False, initial=True, help_text=_TEMPORARY_HELP
    )


class SetPasswordForm(AdminPasswordChangeForm):
    """The admin's set-password form, with the new password temporary unless unticked."""

    must_change_password = forms.BooleanField(
        label="Temporary password", required=False, initial=True, help_text=_TEMPORARY_HELP
    )

    def save(self, commit: bool = True):
        user = super().save(commit=commit)
        if commit and user.has_usable_password():
            services.require_password_change(
                user, self.cleaned_data.get("must_change_password", False)
            )
        return user


class UserSecurityInline(admin.StackedInline):
    model = UserSecurity
    can_delete = False
    max_num = 1
    fields = ("must_change_password", "password_changed_at")
    readonly_fields = ("password_changed_at",)


admin.site.unregister(User)


@admin.register(User)
class PeopleUserAdmin(UserAdmin):
    add_form = NewUserForm
    change_password_form = SetPasswordForm
    change_user_password_template = "admin/people/user_change_password.html"  # noqa: S105
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "usable_password",
                    "password1",
                    "password2",
                    "must_change_password",
                ),
            },
        ),
    )
    list_display = (*UserAdmin.list_display, "two_factor")
    actions = ("make_reset_link", "reset_two_factor")

    @admin.display(description="Two-factor", boolean=True)
    def two_factor(self, user) -> bool:
        return selectors.has_two_factor(user)

    def get_inlines(self, request: HttpRequest, obj=None):
        # On the add page the form's own "Temporary password" box does this job.
        return [UserSecurityInline] if obj is not None else []

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            services.require_password_change(obj, form.cleaned_data.get("must_change_password"))

    @admin.action(description="Make a password reset link (emailed when possible)")
    def make_reset_link(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            link, emailed = services.send_password_reset_link(user, request)
            if emailed:
                self.message_user(request, f"Reset link emailed to {user.email}.")
            else:
                self.message_user(
                    request,
                    f"Give {user.get_username()} this password reset link yourself: {link}",
                    messages.WARNING,
                )

    @admin.action(description="Turn off two-factor (for a lost phone and lost recovery codes)")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            services.disable_two_factor(user)
        self.message_user(
            request,
            "Two-factor turned off; they can set it up again on their Security page.",
        )


# --- django-otp's devices, without their secrets ----------------------------------------------

admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class _DeviceAdmin(admin.ModelAdmin):
    """A device seen and deleted (which resets that part of two-factor), never edited."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(_DeviceAdmin):
    pass


@admin.register(StaticDevice)
class RecoveryCodesAdmin(_DeviceAdmin):
    list_display = (*_DeviceAdmin.list_display, "codes_left")

    @admin.display(description="Codes left")
    def codes_left(self, device: StaticDevice) -> int:
        return device.token_set.count()
