from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("shared/<str:username>/", views.shared, name="shared"),
    path("shared/<str:username>/portfolio.json", views.shared_data, name="shared_data"),
    path("household/", views.household, name="household"),
]
