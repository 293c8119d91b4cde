"""Every sign-in passes here to remember its device (and report a new one)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from notices import services
from people.ratelimit import client_ip


@receiver(user_logged_in, dispatch_uid="notices.remember_device")
def remember_device(sender, request, user, **kwargs) -> None:
    """Record the device the user just signed in from."""
    if request is None:
        return
    services.record_sign_in(user, request.META.get("HTTP_USER_AGENT", ""), client_ip(request))
