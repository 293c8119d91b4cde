from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from notices.views import instance_overview
from portfolio import dashboard_views, views

urlpatterns = [
    # The dashboard, holdings and settings pages and the charts' JSON (dashboard_views.py).
    path("", dashboard_views.dashboard, name="dashboard"),
    path("holdings/", dashboard_views.holdings, name="holdings"),
    path("settings/", dashboard_views.user_settings, name="settings"),
    path("api/value-history.json", dashboard_views.value_history_json, name="api_value_history"),
    path("api/allocation.json", dashboard_views.allocation_json, name="api_allocation"),
    path("healthz", views.healthz, name="healthz"),
    # Django's auth URLs with Porthole's two-step, rate-limited login (people/account_urls.py).
    path("accounts/", include("people.account_urls")),
    path("", include("people.urls")),  # /invite/<token>/ and /security/
    path("exchanges/", include("exchanges.urls")),
    path("", include("portfolio.history_urls")),  # /trades/, /transfers/ and their CSV
    path("", include("sharing.urls")),  # /sharing/, /shared/<username>/ and /household/
    # The admin's own login would skip two-factor and the rate limits: send it to ours.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("notices/", include("notices.urls")),
    # Before admin/: staff only, linked from the admin index (templates/admin/index.html).
    path("admin/overview/", instance_overview, name="admin_overview"),
    path("admin/", admin.site.urls),
]
