from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Notices"

    def ready(self) -> None:
        # Connects the sign-in signal that remembers devices (and reports new ones).
        from notices import signals  # noqa: F401
