from django.urls import path

from portfolio import history_views

app_name = "history"

urlpatterns = [
    path("trades/", history_views.trade_list, name="trades"),
    path("trades/export.csv", history_views.trade_export, name="trades_export"),
    path("transfers/", history_views.transfer_list, name="transfers"),
    path("transfers/export.csv", history_views.transfer_export, name="transfers_export"),
]
