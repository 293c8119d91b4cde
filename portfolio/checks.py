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
