"""Thin views of sign-in, invites and the security page; the work is in people.services.

There is deliberately no sign-up view: accounts come from an admin's invite or the admin.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from people import selectors, services
from people.forms import CodeForm, InviteSignupForm, NewPasswordChangeForm, PasswordConfirmForm
from people.models import Invite
from people.qr import manual_key, totp_qr_svg
from people.ratelimit import client_ip
from people.services import LockedOut

WRONG_CODE = "That code is not right. Enter the code your app shows now, or a recovery code."


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# --- Login ------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    form = AuthenticationForm(request)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        username = request.POST.get("username", "")
        ip = client_ip(request)
        try:
            # Before the form: a locked-out attempt must not even reach the password check.
            services.check_login_allowed(username, ip)
            form = AuthenticationForm(request, data=request.POST)
            if form.is_valid():
                user = form.get_user()
                services.record_login_success(username)
                if selectors.has_two_factor(user):
                    services.start_pending_login(request, user, next_url)
                    return redirect("login_two_factor")
                auth_login(request, user)
                return redirect(next_url)
            if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
                services.record_login_failure(username, ip)
        except LockedOut as locked:
            form = AuthenticationForm(request, initial={"username": username})
            context.update(form=form, lockout=locked.message)
            return render(request, "registration/login.html", context, status=429)
        context["form"] = form
    return render(request, "registration/login.html", context)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_two_factor(request: HttpRequest) -> HttpResponse:
    pending = services.pending_login(request)
    user = None
    if pending is not None:
        user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None:
        services.end_pending_login(request)
        messages.info(request, "Please log in again.")
        return redirect("login")
    form = CodeForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_second_factor(
                user, form.cleaned_data["code"], client_ip(request)
            )
        except LockedOut as locked:
            context.update(form=CodeForm(), error=locked.message)
            return render(request, "registration/login_two_factor.html", context, status=429)
        if device is not None:
            services.end_pending_login(request)
            auth_login(request, user, backend=pending["backend"])
            if isinstance(device, StaticDevice):
                left = selectors.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. "
                    "Make new ones on the Security page if you are running low.",
                )
            return redirect(pending["next"])
        context.update(form=CodeForm(), error=WRONG_CODE)
    return render(request, "registration/login_two_factor.html", context)


# --- Passwords --------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also lifts a temporary-password requirement."""

    form_class = NewPasswordChangeForm

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["must_change"] = selectors.must_change_password(self.request.user)
        return context

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        services.record_password_changed(form.user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset by email, limited per address so it cannot flood an inbox."""

    email_template_name = "registration/password_reset_email.txt"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["email_configured"] = settings.EMAIL_CONFIGURED
        return context

    def form_valid(self, form) -> HttpResponse:
        try:
            services.check_password_reset_allowed(client_ip(self.request))
        except LockedOut as locked:
            form.add_error(None, locked.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["email_configured"] = settings.EMAIL_CONFIGURED
        return context


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation; a password chosen this way is the user's own."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        services.record_password_changed(form.user)
        return response


# --- Invites ----------------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.invite_for_token(token)
    if found is None:
        return render(request, "people/invite_invalid.html", {"reason": "unknown"}, status=404)
    if found.state != Invite.State.OPEN:
        return render(request, "people/invite_invalid.html", {"reason": found.state}, status=410)
    if request.user.is_authenticated:
        return render(request, "people/invite_invalid.html", {"reason": "signed_in"})
    form = InviteSignupForm(request.POST or None, initial={"username": found.username})
    # Known before validation, so the validators can refuse a password too like the address.
    form.instance.email = found.email
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invite(found, form)
        except services.InviteUnusable:
            return render(request, "people/invite_invalid.html", {"reason": "used"}, status=410)
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}. Your account is ready.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "people/invite_accept.html", {"form": form, "invite": found})


# --- Security page ----------------------------------------------------------------------------


@login_required
@never_cache
def security(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "people/security.html",
        {
            "status": selectors.two_factor_status(request.user),
            "required": settings.REQUIRE_TWO_FACTOR,
            "password_form": PasswordConfirmForm(),
        },
    )


@login_required
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    if selectors.has_two_factor(request.user):
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("people:security")
    device = services.pending_totp_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp_device(device, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "people/recovery_codes.html", {"codes": codes, "new": True})
        form.add_error(
            None,
            "That code is not right. Enter the code the app shows now, and check that the "
            "phone's clock is set automatically.",
        )
    return render(
        request,
        "people/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": totp_qr_svg(device),
            "manual_key": manual_key(device),
            "required": settings.REQUIRE_TWO_FACTOR,
        },
    )


def _password_confirmed(request: HttpRequest, form: PasswordConfirmForm) -> bool:
    if not form.is_valid():
        return False
    try:
        if services.confirm_current_password(
            request.user, form.cleaned_data["password"], client_ip(request)
        ):
            return True
    except LockedOut as locked:
        form.add_error(None, locked.message)
        return False
    form.add_error("password", "That is not your current password.")
    return False


@login_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if not selectors.has_two_factor(request.user):
        return redirect("people:security")
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and _password_confirmed(request, form):
        services.disable_two_factor(request.user)
        messages.success(request, "Two-factor authentication is off.")
        return redirect("people:security")
    return render(
        request,
        "people/two_factor_disable.html",
        {"form": form, "required": settings.REQUIRE_TWO_FACTOR},
    )


@login_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not selectors.has_two_factor(request.user):
        return redirect("people:security")
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and _password_confirmed(request, form):
        codes = services.regenerate_recovery_codes(request.user)
        return render(request, "people/recovery_codes.html", {"codes": codes, "new": False})
    return render(request, "people/recovery_codes_confirm.html", {"form": form})
