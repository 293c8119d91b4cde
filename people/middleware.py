"""Gates a signed-in user must pass before anything else: a temporary password to replace,
then (when REQUIRE_TWO_FACTOR is on) two-factor authentication to set up."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from people import selectors

# Always reachable: leaving, and the health check that monitors call.
_ALWAYS_OPEN = {"logout", "admin:logout", "healthz"}
_PASSWORD_PAGES = {"password_change", "password_change_done"}
_ENROL_PAGES = {"people:two_factor_enrol"}


class AccountGateMiddleware:
    """Redirect a signed-in user to the password change or enrolment page until done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # In process_view, not __call__, so the URL is resolved and known by its name.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        if name in _ALWAYS_OPEN:
            return None
        if selectors.must_change_password(user):
            return None if name in _PASSWORD_PAGES else redirect("password_change")
        if settings.REQUIRE_TWO_FACTOR and not selectors.has_two_factor(user):
            if name in _ENROL_PAGES or name in _PASSWORD_PAGES:
                return None
            return redirect("people:two_factor_enrol")
        return None
