"""Thin views of the connect flow; the work is in exchanges.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from exchanges import services
from exchanges.catalog import get_exchange, supported_exchanges, unverifiable_exchanges
from exchanges.credentials import Credentials
from exchanges.errors import ExchangeProblem
from exchanges.forms import ConnectForm, KeyForm, RemoveKeyForm
from exchanges.scopes import ScopeReport
from exchanges.selectors import (
    account_of,
    accounts_of,
    audit_trail,
    key_rotation_due,
    rotation_due,
    rotation_reminder_days,
    sync_runs,
    sync_status,
)

SECRET_FIELDS = ("api_key", "secret", "password", "uid")


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = list(accounts_of(request.user))
    reminder, now = rotation_reminder_days(request.user), timezone.now()
    for account in accounts:
        account.rotation_due = key_rotation_due(account, reminder, now)
    return render(request, "exchanges/account_list.html", {"accounts": accounts})


def _exchange_for(request: HttpRequest):
    exchange_id = request.GET.get("exchange") or request.POST.get("exchange") or ""
    info = get_exchange(exchange_id) if exchange_id else None
    return exchange_id, info


@login_required
@sensitive_post_parameters(*SECRET_FIELDS)
@sensitive_variables("form", "credentials")
def connect(request: HttpRequest) -> HttpResponse:
    exchange_id, info = _exchange_for(request)
    context = {
        "supported": supported_exchanges(),
        "unverifiable": unverifiable_exchanges(),
        "exchange": info,
        "exchange_id": exchange_id,
    }
    if info is None or not info.verifiable:
        if exchange_id and info is None:
            context["error"] = "Porthole does not know that exchange."
        return render(request, "exchanges/connect.html", context)
    form = ConnectForm(request.POST or None, exchange=info)
    if request.method == "POST" and form.is_valid():
        credentials = Credentials(**form.credential_values())
        try:
            account = services.connect_account(
                owner=request.user,
                exchange_id=info.id,
                label=form.cleaned_data["label"],
                credentials=credentials,
            )
        except services.KeyRefused as refused:
            context["refusal"] = refused.reasons
            context["report"] = refused.report
        except ExchangeProblem as problem:
            context["problem"] = problem.message
        else:
            messages.success(request, f"{info.name} key verified read-only and connected.")
            return redirect("exchanges:detail", pk=account.pk)
        # Never echo anything back: a fresh form keeps only the label.
        form = ConnectForm(initial={"label": form.cleaned_data["label"]}, exchange=info)
    context["form"] = form
    return render(request, "exchanges/connect.html", context)


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request.user, pk)
    report = ScopeReport.from_json(account.scope_report) if account.scope_report else None
    return render(
        request,
        "exchanges/account_detail.html",
        {
            "account": account,
            "report": report,
            "exchange": get_exchange(account.exchange_id),
            "events": audit_trail(account),
            "rotation_due": rotation_due(account),
            "remove_form": RemoveKeyForm(),
            "runs": sync_runs(account),
            "sync": sync_status(account),
        },
    )


@login_required
@require_POST
def sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    from exchanges.tasks import sync_account

    account = account_of(request.user, pk)
    if account.status != account.Status.ACTIVE or not account.encrypted_credentials:
        messages.error(request, "Only an active account with a key can be synced.")
    else:
        sync_account.delay(account.pk)
        messages.success(request, "Sync queued: progress shows below.")
    return redirect("exchanges:detail", pk=account.pk)


@login_required
def sync_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(sync_status(account_of(request.user, pk)))


def _check_key(request: HttpRequest, account, check, success: str) -> HttpResponse:
    """Run a verifying service (verify or enable) and tell the owner how it went."""
    try:
        outcome = check(account, actor=request.user)
    except ExchangeProblem as problem:
        messages.error(request, problem.message)
    else:
        if outcome.suspended:
            messages.error(request, outcome.reason)
        else:
            messages.success(request, success)
    return redirect("exchanges:detail", pk=account.pk)


@login_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request.user, pk)
    return _check_key(request, account, services.verify_account, "The key is still read-only.")


@login_required
@require_POST
def enable(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request.user, pk)
    if not account.encrypted_credentials:
        raise Http404
    return _check_key(
        request,
        account,
        services.enable_account,
        "Verified read-only; the account is active again.",
    )


@login_required
@require_POST
def disable(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request.user, pk)
    services.disable_account(account, actor=request.user)
    messages.success(request, "Syncing is off for this account.")
    return redirect("exchanges:detail", pk=account.pk)


@login_required
@sensitive_post_parameters(*SECRET_FIELDS)
@sensitive_variables("form", "credentials")
def replace_key(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request.user, pk)
    info = get_exchange(account.exchange_id)
    form = KeyForm(request.POST or None, exchange=info)
    context = {"account": account, "exchange": info}
    if request.method == "POST" and form.is_valid():
        try:
            services.replace_key(
                account, Credentials(**form.credential_values()), actor=request.user
            )
        except services.KeyRefused as refused:
            context["refusal"] = refused.reasons
        except ExchangeProblem as problem:
            context["problem"] = problem.message
        else:
            messages.success(request, "New key verified read-only; the old key is gone.")
            return redirect("exchanges:detail", pk=account.pk)
        form = KeyForm(exchange=info)
    context["form"] = form
    return render(request, "exchanges/replace_key.html", context)


@login_required
@require_POST
def remove_key(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request.user, pk)
    form = RemoveKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to keep the synced history.")
        return redirect("exchanges:detail", pk=account.pk)
    keep = form.cleaned_data["keep_data"]
    services.remove_key(account, keep_data=keep, actor=request.user)
    messages.success(request, "The key was deleted." + (" Its history is kept." if keep else ""))
    return redirect("exchanges:detail", pk=account.pk) if keep else redirect("exchanges:list")
