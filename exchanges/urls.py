from django.urls import path

from exchanges import views

app_name = "exchanges"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("connect/", views.connect, name="connect"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/enable/", views.enable, name="enable"),
    path("<int:pk>/disable/", views.disable, name="disable"),
    path("<int:pk>/replace-key/", views.replace_key, name="replace_key"),
    path("<int:pk>/remove-key/", views.remove_key, name="remove_key"),
    path("<int:pk>/sync/", views.sync_now, name="sync_now"),
    path("<int:pk>/sync-status.json", views.sync_status_json, name="sync_status"),
]
