from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("invite/<str:token>/", views.invite, name="invite"),
    path("security/", views.security, name="security"),
    path("security/two-factor/", views.two_factor_enrol, name="two_factor_enrol"),
    path("security/two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
]
