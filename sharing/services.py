"""Writes of sharing: share a portfolio with another user, change the level, revoke."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction

from sharing.models import Share

logger = logging.getLogger("sharing")


class ShareRefused(Exception):
    """The share cannot be made; the message says why, in words for the page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def share_portfolio(owner, username: str, level: str) -> tuple[Share, bool]:
    """Share the owner's portfolio with the user of that username at that level.

    Returns the share and whether it is new; sharing again with the same person changes the
    level (there is one share per owner and viewer).
    """
    username = (username or "").strip()
    if level not in Share.Level.values:
        raise ShareRefused("Choose what they may see: full or allocation only.")
    if not username:
        raise ShareRefused("Enter the username of the person to share with.")
    if username == owner.get_username():
        raise ShareRefused("That is you: your own portfolio is always yours to see.")
    viewer = get_user_model().objects.filter(username=username, is_active=True).first()
    if viewer is None:
        raise ShareRefused(f"There is no user {username!r} on this Porthole.")
    with transaction.atomic():
        share, created = Share.objects.update_or_create(
            owner=owner, viewer=viewer, defaults={"level": level}
        )
    logger.info("%r shares with %r at level %s", owner.get_username(), username, level)
    return share, created


def revoke_share(owner, share_id: int) -> Share | None:
    """Delete one of the owner's shares at once; None when they have no such share.

    Deleting is the whole revocation: every page reads the share on each request, so the
    viewer's next request is already refused.
    """
    share = Share.objects.select_related("viewer").filter(owner=owner, pk=share_id).first()
    if share is None:
        return None
    share.delete()
    logger.info("%r revoked the share with %r", owner.get_username(), share.viewer.get_username())
    return share
