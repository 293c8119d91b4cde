from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from portfolio import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    # Django's auth URLs with Porthole's two-step, rate-limited login (people/account_urls.py).
    path("accounts/", include("people.account_urls")),
    path("", include("people.urls")),  # /invite/<token>/ and /security/
    path("exchanges/", include("exchanges.urls")),
    path("", include("portfolio.history_urls")),  # /trades/, /transfers/ and their CSV
    # The admin's own login would skip two-factor and the rate limits: send it to ours.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
]
