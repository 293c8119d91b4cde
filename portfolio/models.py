from django.db import models


class Heartbeat(models.Model):
    """Last time a periodic task ran: proof that the scheduler enqueues and a worker executes."""

    name = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_seen:%Y-%m-%d %H:%M:%S}"
