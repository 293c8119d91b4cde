"""Real headless Chromium for the browser tests: Debian's /usr/bin/chromium, driven by
Playwright. Playwright's own browser downloads are never used (`playwright install` is not run).

Without /usr/bin/chromium the tests are skipped on a developer's machine; in CI
(PORTHOLE_REQUIRE_SERVICES=1) .ci/run installs it and a missing browser fails instead.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import services_required

CHROMIUM = Path(os.environ.get("PORTHOLE_CHROMIUM", "/usr/bin/chromium"))
# Quiet, offline and sandbox-free (the tests run as root in containers): nothing but the
# live server is ever contacted.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Return a headless Chromium for one module's tests.

    Playwright's sync API keeps an event loop running in this thread, and Django refuses
    database calls from a thread with a running loop (to protect async views). Here the loop
    only drives the browser, so the refusal is lifted while the browser is open; the browser
    lives for one module only so that no other test runs under it. The test database is set
    up first, outside it.
    """
    if not CHROMIUM.exists():
        if services_required():
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs these")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
