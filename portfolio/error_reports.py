"""Return error reports (the DEBUG page, admin e-mails) with every secret-looking value hidden.

Django's own filter hides settings named like API/KEY/SECRET/PASS…, but not the URLs and DSNs
that embed passwords here (REDIS_URL, CELERY_BROKER_URL, CACHES' LOCATION, CCXT_URL_OVERRIDES),
and it hides frame variables and POST fields only where a view was decorated for it. This
filter hides them by name everywhere, and strips "user:password@" out of any URL it shows.
"""

import re
from typing import Any

from django.http import HttpRequest, QueryDict
from django.views.debug import SafeExceptionReporterFilter

# "user:password@" (or "token@") right after a URL scheme.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


class SecretSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide settings, frame variables and POST fields whose names suggest a secret."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL|UID"
        "|URL|DSN|LOCATION|OVERRIDES",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        """Return value hidden when key looks secret, with passwords cut out of URLs."""
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return _URL_USERINFO.sub(rf"\g<scheme>{self.cleansed_substitute}@", cleansed)
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame) -> list:
        """Return the frame's variables with secret-named ones (and dict keys) hidden."""
        # Always, DEBUG or not: a traceback page is easily shared in a bug report.
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_setting(name, value)) for name, value in variables]

    def get_post_parameters(self, request: HttpRequest | None) -> QueryDict | dict:
        """Return the POST parameters with secret-named fields hidden, decorated or not."""
        parameters = super().get_post_parameters(request)
        hidden = [name for name in parameters if self.hidden_settings.search(name)]
        if not hidden:
            return parameters
        parameters = parameters.copy()
        for name in hidden:
            parameters[name] = self.cleansed_substitute
        return parameters
