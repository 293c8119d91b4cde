"""Test-only settings, loaded as a pytest plugin (-p) so they exist before Django reads them."""

import os
import tempfile

# Tests run with DEBUG off like production; these are the only test-specific values.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="porthole-test-data-"))
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="porthole-test-static-"))
# The shared request budget is tested on its own; elsewhere it would only slow tests down.
os.environ.setdefault("RATE_BUDGETS_ENABLED", "false")
os.environ.setdefault("CCXT_RATE_LIMIT", "false")
