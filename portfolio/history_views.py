"""Thin views of the trade and transfer history; the work is in history_selectors/_csv."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from exchanges.sync.models import Trade, Transfer
from portfolio import history_csv
from portfolio.history_selectors import (
    owned_accounts,
    trade_filter,
    trade_totals,
    trades_of,
    transfer_filter,
    transfer_totals,
    transfers_of,
)
from portfolio.timezones import user_time_zone

PAGE_SIZE = 50


def _page_context(
    request: HttpRequest, rows, history_filter, accounts, totals, direction_choices
) -> dict:
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = totals.count  # counted with the totals: no second COUNT of the rows
    return {
        "accounts": accounts,
        "direction_choices": direction_choices,
        "filter": history_filter,
        "page_obj": paginator.get_page(request.GET.get("page")),
        "totals": totals,
        "time_zone": history_filter.time_zone,
    }


def _csv_response(rows, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        history_csv.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="porthole-{name}-{stamp}.csv"'
    return response


@login_required
@require_GET
def trade_list(request: HttpRequest) -> HttpResponse:
    accounts = list(owned_accounts(request.user))
    history_filter = trade_filter(
        request.GET, accounts=accounts, time_zone=user_time_zone(request.user)
    )
    trades = trades_of(request.user, history_filter)
    context = _page_context(
        request, trades, history_filter, accounts, trade_totals(trades), Trade.Side.choices
    )
    return render(request, "portfolio/trade_list.html", context)


@login_required
@require_GET
def trade_export(request: HttpRequest) -> StreamingHttpResponse:
    accounts = list(owned_accounts(request.user))
    history_filter = trade_filter(
        request.GET, accounts=accounts, time_zone=user_time_zone(request.user)
    )
    return _csv_response(history_csv.trade_rows(trades_of(request.user, history_filter)), "trades")


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    accounts = list(owned_accounts(request.user))
    history_filter = transfer_filter(
        request.GET, accounts=accounts, time_zone=user_time_zone(request.user)
    )
    transfers = transfers_of(request.user, history_filter)
    context = _page_context(
        request,
        transfers,
        history_filter,
        accounts,
        transfer_totals(transfers),
        Transfer.Kind.choices,
    )
    return render(request, "portfolio/transfer_list.html", context)


@login_required
@require_GET
def transfer_export(request: HttpRequest) -> StreamingHttpResponse:
    accounts = list(owned_accounts(request.user))
    history_filter = transfer_filter(
        request.GET, accounts=accounts, time_zone=user_time_zone(request.user)
    )
    return _csv_response(
        history_csv.transfer_rows(transfers_of(request.user, history_filter)), "transfers"
    )
