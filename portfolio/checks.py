"""System checks for configuration a person can get wrong."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def data_dir_not_served(app_configs, **kwargs) -> list:
    """Return an error when DATA_DIR (database, keys) lies inside a served directory."""
    data_dir = settings.DATA_DIR.resolve()
    served = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]
    errors = []
    for folder in served:
        folder = folder.resolve()
        if data_dir == folder or folder in data_dir.parents:
            errors.append(
                Error(
                    f"DATA_DIR ({data_dir}) is inside the served directory {folder}.",
                    hint="Point DATA_DIR somewhere that is never served over HTTP.",
                    id="porthole.E001",
                )
            )
    return errors


@register()
def pricing_exchanges_known(app_configs, **kwargs) -> list:
    """Return a warning for each PRICING_EXCHANGES entry Porthole cannot read prices from."""
    from django.core.checks import Warning as CheckWarning

    from exchanges.endpoints import PRICE_ENDPOINTS

    return [
        CheckWarning(
            f"PRICING_EXCHANGES names {exchange_id!r}, which has no price allow-list: skipped.",
            hint=f"Use some of: {', '.join(sorted(PRICE_ENDPOINTS))}.",
            id="porthole.W010",
        )
        for exchange_id in settings.PRICING_EXCHANGES
        if exchange_id not in PRICE_ENDPOINTS
    ]
