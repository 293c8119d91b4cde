"""The email backend used when no mail server is configured: it logs instead of sending."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("people.mail")


class LogOnlyEmailBackend(BaseEmailBackend):
    """Log each message at INFO so the admin can pass its link on by hand."""

    def send_messages(self, email_messages) -> int:
        """Return the number of messages logged."""
        for message in email_messages:
            # Porthole mails only invite and reset links, never a password; the link is the
            # point of logging it, for the admin who reads this console.
            logger.info(
                "Email not sent (no EMAIL_URL or EMAIL_HOST configured) to %s, subject %r:\n%s",
                ", ".join(message.to),
                message.subject,
                message.body,
            )
        return len(email_messages)
