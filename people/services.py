"""Writes about people: invites, passwords, two-factor devices and sign-in rate limits.

Views, admin actions and tests call these. Nothing here logs or returns a password; links
(invites, password resets) are logged only where no email can carry them, for the admin.
"""

import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.debug import sensitive_variables
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from people import ratelimit
from people.models import Invite, UserSecurity, default_invite_expiry, hash_invite_token
from people.ratelimit import Limit

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10


# --- Rate limits ------------------------------------------------------------------------------


class LockedOut(Exception):
    """Too many failures: refused without checking anything. `seconds` until it lifts."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Return the sentence shown to the person."""
        n = ratelimit.minutes(self.seconds)
        return f"Too many attempts; try again in {n} minute{'s' if n != 1 else ''}."


def _window() -> int:
    return settings.LOGIN_LOCKOUT_MINUTES * 60


def _username_limit(scope: str = "login-user") -> Limit:
    return Limit(scope, settings.LOGIN_FAILURES_PER_USERNAME, _window())


def _ip_limit() -> Limit:
    # One budget per address for passwords and codes alike: guessing either costs the same.
    return Limit("login-ip", settings.LOGIN_FAILURES_PER_IP, _window())


def _refuse_if_locked(checks: list[tuple[Limit, str]], what: str, username: str, ip: str):
    seconds = max(ratelimit.locked_for(limit, identity) for limit, identity in checks)
    if seconds:
        logger.warning(
            "%s refused while locked out: username %r, IP %s (%d s left)",
            what,
            username,
            ip,
            seconds,
        )
        raise LockedOut(seconds)


def _count_failure(checks: list[tuple[Limit, str]], what: str, username: str, ip: str) -> None:
    locked = False
    for limit, identity in checks:
        if ratelimit.record_failure(limit, identity):
            locked = True
            logger.warning(
                "%s locked out for %d minutes after %d failures (%s): username %r, IP %s",
                what,
                settings.LOGIN_LOCKOUT_MINUTES,
                limit.max_failures,
                "per address" if limit.scope == "login-ip" else "per account",
                username,
                ip,
            )
    if locked:
        # Said at once, rather than "wrong password" now and the lockout at the next try.
        raise LockedOut(_window())


def check_login_allowed(username: str, ip: str) -> None:
    """Raise LockedOut when the username or the address is locked out (nothing is checked)."""
    checks = [(_username_limit(), username), (_ip_limit(), ip)]
    _refuse_if_locked(checks, "Login", username, ip)


def record_login_failure(username: str, ip: str) -> None:
    """Count a wrong username or password against both; raise LockedOut (and log) when this
    failure starts a lockout."""
    _count_failure([(_username_limit(), username), (_ip_limit(), ip)], "Login", username, ip)


def record_login_success(username: str) -> None:
    """Forget the username's failures (the address's stay: one good account must not reset
    the count of an address trying many)."""
    ratelimit.clear_failures(_username_limit(), username)


def _second_factor_checks(user: AbstractBaseUser, ip: str) -> list[tuple[Limit, str]]:
    return [(_username_limit("two-factor"), str(user.pk)), (_ip_limit(), ip)]


@sensitive_variables("code")
def verify_second_factor(user: AbstractBaseUser, code: str, ip: str):
    """Return the device that accepted code (authenticator or a recovery code, then used up),
    or None; raise LockedOut while locked out or when this wrong code starts a lockout."""
    username = user.get_username()
    checks = _second_factor_checks(user, ip)
    _refuse_if_locked(checks, "Two-factor code", username, ip)
    device = _match_code(user, code)
    if device is None:
        _count_failure(checks, "Two-factor code", username, ip)
    else:
        ratelimit.clear_failures(checks[0][0], checks[0][1])
        if isinstance(device, StaticDevice):
            logger.info("User %r logged in with a recovery code", username)
    return device


@sensitive_variables("code", "token")
def _match_code(user: AbstractBaseUser, code: str):
    token = "".join(code.split()).replace("-", "").lower()
    if not token:
        return None
    # An authenticator gives six digits; recovery codes are eight letters and digits.
    device_model = TOTPDevice if len(token) == 6 and token.isdigit() else StaticDevice
    device = device_model.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    # Through django-otp's verify_token: it locks the device row, so one code (or one
    # recovery code) cannot be accepted twice by two requests at once.
    return verify_token(user, device.persistent_id, token)


@sensitive_variables("password")
def confirm_current_password(user: AbstractBaseUser, password: str, ip: str) -> bool:
    """Return whether password is the user's, for changes that ask for it again; raise
    LockedOut after too many wrong ones (a stolen session must not guess the password)."""
    username = user.get_username()
    checks = [(_username_limit("reauth"), str(user.pk)), (_ip_limit(), ip)]
    _refuse_if_locked(checks, "Password confirmation", username, ip)
    if user.check_password(password):
        ratelimit.clear_failures(checks[0][0], checks[0][1])
        return True
    _count_failure(checks, "Password confirmation", username, ip)
    return False


def check_password_reset_allowed(ip: str) -> None:
    """Count a password reset request from ip; raise LockedOut when it asks for too many."""
    limit = Limit("password-reset", settings.LOGIN_FAILURES_PER_USERNAME, _window())
    seconds = ratelimit.locked_for(limit, ip)
    if seconds:
        raise LockedOut(seconds)
    # Counted before sending, so that mail cannot be used to flood someone's inbox.
    if ratelimit.record_failure(limit, ip):
        logger.warning("Password reset requests locked out: IP %s", ip)


# --- Invites ----------------------------------------------------------------------------------


class InviteUnusable(Exception):
    """The invite was used or expired in the meantime."""


@dataclass
class IssuedInvite:
    """A saved invite and its link: emailed, or to be shown to the admin."""

    invite: Invite
    link: str
    emailed: bool
    problem: str = ""


def issue_invite(
    invite: Invite, *, created_by: AbstractBaseUser, request: HttpRequest
) -> IssuedInvite:
    """Return the invite saved with a new link, which is emailed if possible and else logged."""
    invite.created_by = created_by
    return _new_link(invite, request)


def renew_invite(invite: Invite, *, request: HttpRequest) -> IssuedInvite:
    """Return the unused invite with a new link valid for another week; the old one dies."""
    if invite.used_at is not None:
        raise InviteUnusable("This invite was already used.")
    invite.expires_at = default_invite_expiry()
    return _new_link(invite, request)


def _new_link(invite: Invite, request: HttpRequest) -> IssuedInvite:
    # Only the hash is kept, so this is the one moment the link exists.
    token = secrets.token_urlsafe(32)
    invite.token_hash = hash_invite_token(token)
    invite.save()
    link = request.build_absolute_uri(reverse("people:invite", args=[token]))
    emailed, problem = _email_invite(invite, link)
    if not emailed:
        logger.info(
            "Invite link for %s, valid until %s: %s", invite, f"{invite.expires_at:%Y-%m-%d}", link
        )
    return IssuedInvite(invite=invite, link=link, emailed=emailed, problem=problem)


def _email_invite(invite: Invite, link: str) -> tuple[bool, str]:
    if not (settings.EMAIL_CONFIGURED and invite.email):
        return False, ""
    context = {"invite": invite, "link": link}
    try:
        send_mail(
            subject="You are invited to Porthole",
            message=render_to_string("people/invite_email.txt", context),
            from_email=None,
            recipient_list=[invite.email],
        )
    except Exception as exc:  # any SMTP or network error: the admin gets the link instead
        logger.warning("Invite email to %s failed: %s", invite.email, exc.__class__.__name__)
        return False, f"The email could not be sent ({exc.__class__.__name__})."
    return True, ""


def accept_invite(invite: Invite, form: BaseUserCreationForm) -> AbstractBaseUser:
    """Return the account created from a valid sign-up form; the invite is then used up."""
    with transaction.atomic():
        # Locked, so two submissions of one link cannot both create an account.
        invite = Invite.objects.select_for_update().get(pk=invite.pk)
        if invite.state != Invite.State.OPEN:
            raise InviteUnusable(f"This invite is {invite.state.label.lower()}.")
        user = form.save(commit=False)
        user.email = invite.email
        user.save()
        invite.used_at = timezone.now()
        invite.user = user
        invite.save(update_fields=["used_at", "user"])
    logger.info("Invite %s accepted: account %r created", invite.pk, user.get_username())
    return user


# --- Passwords --------------------------------------------------------------------------------


def require_password_change(user: AbstractBaseUser, required: bool = True) -> None:
    """Mark the user's password as temporary (or not): it must be changed at the next login."""
    UserSecurity.objects.update_or_create(user=user, defaults={"must_change_password": required})


def record_password_changed(user: AbstractBaseUser) -> None:
    """Note that the user chose their own password, lifting a temporary-password requirement."""
    UserSecurity.objects.update_or_create(
        user=user,
        defaults={"must_change_password": False, "password_changed_at": timezone.now()},
    )


def password_reset_link(user: AbstractBaseUser, request: HttpRequest) -> str:
    """Return a link with which the user sets a new password (valid PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def send_password_reset_link(user: AbstractBaseUser, request: HttpRequest) -> tuple[str, bool]:
    """Return a new reset link for the user and whether it was emailed to them; an unsent
    link is logged for the admin."""
    link = password_reset_link(user, request)
    if settings.EMAIL_CONFIGURED and user.email:
        try:
            send_mail(
                subject="Set your Porthole password",
                message=render_to_string(
                    "people/admin_reset_email.txt", {"user": user, "link": link}
                ),
                from_email=None,
                recipient_list=[user.email],
            )
        except Exception as exc:  # any SMTP or network error: the admin gets the link instead
            logger.warning("Reset email to %s failed: %s", user.email, exc.__class__.__name__)
        else:
            return link, True
    logger.info("Password reset link for %r: %s", user.get_username(), link)
    return link, False


# --- Two-factor -------------------------------------------------------------------------------


def pending_totp_device(user: AbstractBaseUser) -> TOTPDevice:
    """Return the user's unconfirmed authenticator device, made on first call and kept, so that
    reloading the enrolment page does not change the QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@sensitive_variables("code")
def confirm_totp_device(device: TOTPDevice, code: str) -> list[str] | None:
    """Return fresh recovery codes once code proves the app was set up, turning two-factor on;
    None for a wrong code."""
    token = "".join(code.split())
    if not token.isdigit() or not device.verify_token(token):
        return None
    with transaction.atomic():
        # One authenticator per user: an older one (a previous phone) stops working.
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = regenerate_recovery_codes(device.user)
    logger.info("Two-factor authentication enabled for %r", device.user.get_username())
    return codes


def regenerate_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Return RECOVERY_CODE_COUNT new one-time recovery codes; earlier codes stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def disable_two_factor(user: AbstractBaseUser) -> None:
    """Remove the user's authenticator and recovery codes: the password alone logs in again."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    logger.info("Two-factor authentication disabled for %r", user.get_username())


# --- The two steps of a login -----------------------------------------------------------------

PENDING_LOGIN_KEY = "people_pending_login"
# Time between a correct password and the code, after which the password is asked again.
PENDING_LOGIN_SECONDS = 600


def start_pending_login(request: HttpRequest, user: AbstractBaseUser, next_url: str) -> None:
    """Remember in the (still anonymous) session who gave a correct password, for the code
    step; the user is logged in only once the code is right."""
    request.session[PENDING_LOGIN_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "started": time.time(),
        "next": next_url,
    }


def pending_login(request: HttpRequest) -> dict | None:
    """Return the pending login of this session, or None when absent or too old."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not pending or time.time() - pending["started"] > PENDING_LOGIN_SECONDS:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    return pending


def end_pending_login(request: HttpRequest) -> None:
    """Forget the pending login."""
    request.session.pop(PENDING_LOGIN_KEY, None)
