"""Thin views of the dashboard, holdings and settings pages and the charts' JSON.

Every number comes from portfolio.selectors, which read stored rows only: no page here ever
waits on an exchange. JSON carries values as exact decimal strings; the browser turns them
into numbers only to draw them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portfolio import selectors
from portfolio.amounts import plain_decimal
from portfolio.forms import UserSettingsForm
from portfolio.services import update_user_settings
from portfolio.templatetags.porthole import money, percent
from portfolio.timezones import user_time_zone

# The chart's ranges, in days back from today (None: the whole history).
RANGES = {"1M": 30, "3M": 90, "1Y": 365, "All": None}
DEFAULT_RANGE = "1Y"


def _text(value) -> str | None:
    return None if value is None else plain_decimal(value)


def allocation_data(allocation: selectors.Allocation) -> list[dict]:
    """Return an allocation's slices as JSON-safe dicts (exact strings, plus display text)."""
    currency = allocation.base_currency
    return [
        {
            "key": s.key,
            "label": s.label,
            "value": _text(s.value),
            "share": _text(s.share),
            "text": f"{money(s.value, currency)} {currency}",
            "share_text": percent(s.share),
        }
        for s in allocation.slices
    ]


@login_required
@require_GET
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    current = selectors.holdings(request.user)
    by_asset = selectors.allocation_by_asset(request.user, of=current)
    by_exchange = selectors.allocation_by_exchange(request.user, of=current)
    context = {
        "holdings": current,
        "changes": selectors.changes(request.user, of=current),
        "by_asset": by_asset,
        "by_exchange": by_exchange,
        "allocation_json": {
            "by_asset": allocation_data(by_asset),
            "by_exchange": allocation_data(by_exchange),
        },
        "accounts": selectors.account_strip(request.user),
        "ranges": list(RANGES),
        "default_range": DEFAULT_RANGE,
        "time_zone": user_time_zone(request.user),
    }
    return render(request, "portfolio/dashboard.html", context)


@login_required
@require_GET
@never_cache
def holdings(request: HttpRequest) -> HttpResponse:
    context = {
        "holdings": selectors.holdings(request.user),
        "has_accounts": selectors.accounts_visible_to(request.user).exists(),
    }
    return render(request, "portfolio/holdings.html", context)


@login_required
@require_GET
@never_cache
def value_history_json(request: HttpRequest) -> JsonResponse:
    name = request.GET.get("range", DEFAULT_RANGE)
    if name not in RANGES:
        return JsonResponse({"error": f"range must be one of {', '.join(RANGES)}"}, status=400)
    currency = selectors.user_settings(request.user).base_currency
    points = selectors.value_history(request.user, RANGES[name])
    return JsonResponse(
        {
            "base_currency": currency,
            "range": name,
            "points": [
                {
                    "day": point.day.isoformat(),
                    "value": _text(point.value),
                    "text": f"{money(point.value, currency)} {currency}",
                    "flagged": point.flagged,
                }
                for point in points
            ],
        }
    )


@login_required
@require_GET
@never_cache
def allocation_json(request: HttpRequest) -> JsonResponse:
    current = selectors.holdings(request.user)
    return JsonResponse(
        {
            "base_currency": current.base_currency,
            "total_value": _text(current.total_value),
            "unpriced_assets": list(current.unpriced_assets),
            "by_asset": allocation_data(selectors.allocation_by_asset(request.user, of=current)),
            "by_exchange": allocation_data(
                selectors.allocation_by_exchange(request.user, of=current)
            ),
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.user_settings(request.user)
    initial = {
        "base_currency": current.base_currency,
        "time_zone": current.time_zone,
        "rotation_reminder_days": current.rotation_reminder_days,
    }
    form = UserSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        current_time_zone=current.time_zone,
    )
    if request.method == "POST" and form.is_valid():
        saved = update_user_settings(request.user, **form.cleaned_data)
        messages.success(request, "Settings saved.")
        if saved.base_currency != initial["base_currency"]:
            messages.info(
                request,
                f"The value history is being rebuilt in {saved.base_currency}; "
                "the chart fills in when it is done.",
            )
        return redirect("settings")
    return render(request, "portfolio/settings.html", {"form": form})
