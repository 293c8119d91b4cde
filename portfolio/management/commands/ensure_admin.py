import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from portfolio.config import env_value


class Command(BaseCommand):
    help = "Create the first admin user if there is no superuser yet (password printed once)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        password = env_value("ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        admin = User.objects.create_superuser(
            username=settings.ADMIN_USERNAME, email=settings.ADMIN_EMAIL, password=password
        )
        if generated:
            # Printed on a console: it must be replaced at the first login.
            from people.services import require_password_change

            require_password_change(admin)
        self.stdout.write(f"Created the admin user {settings.ADMIN_USERNAME!r}.")
        if generated:
            # Shown once, on the console of the person who started Porthole; never logged.
            self.stdout.write(
                self.style.WARNING(
                    f"  Its password is: {password}  (shown only this once; you choose a new one "
                    "at the first login)"
                )
            )
