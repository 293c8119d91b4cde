"""Who may look at whose portfolio: one person shares theirs with another user of the instance.

A share only ever grants reading, never an action: exchange accounts, keys and syncs stay their
owner's alone (exchanges.selectors.account_of is owner-only and knows nothing of shares).
"""

from django.conf import settings
from django.db import models


class Share(models.Model):
    """The owner lets the viewer see their portfolio, at one level; deleted to revoke."""

    class Level(models.TextChoices):
        # Ghostfolio's two read scopes: everything, or READ_RESTRICTED without money.
        FULL = "full", "Full: values, holdings, history and trades"
        ALLOCATION = "allocation", "Allocation only: assets and percentages, no amounts"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_given"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_received"
    )
    level = models.CharField(max_length=16, choices=Level.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "viewer"], name="share_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(owner=models.F("viewer")), name="share_not_with_oneself"
            ),
        ]
        ordering = ["owner__username", "viewer__username"]

    def __str__(self) -> str:
        return f"{self.owner} → {self.viewer} ({self.level})"

    @property
    def is_full(self) -> bool:
        """Return whether the viewer may see amounts and values."""
        return self.level == self.Level.FULL
