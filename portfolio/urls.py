from django.contrib import admin
from django.urls import include, path

from portfolio import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("exchanges/", include("exchanges.urls")),
    path("admin/", admin.site.urls),
]
