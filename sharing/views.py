"""Thin views of sharing: the sharing page, a shared portfolio and the household.

Every read goes through sharing.selectors, which 404s unless a share exists; nothing here
acts on another person's accounts.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sharing import selectors, services
from sharing.forms import ShareForm


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            share, created = services.share_portfolio(
                request.user, form.cleaned_data["username"], form.cleaned_data["level"]
            )
        except services.ShareRefused as refused:
            form.add_error("username", refused.message)
        else:
            verb = "now sees" if created else "now sees instead"
            messages.success(
                request, f"{share.viewer.get_username()} {verb}: {share.get_level_display()}."
            )
            return redirect("sharing:sharing")
    return render(
        request,
        "sharing/sharing.html",
        {
            "form": form,
            "given": selectors.shares_given(request.user),
            "received": selectors.shares_received(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    share = services.revoke_share(request.user, pk)
    if share is None:
        # Someone else's share, or one already revoked: the same answer for both.
        raise Http404("No such share of yours.")
    messages.success(request, f"{share.viewer.get_username()} no longer sees your portfolio.")
    return redirect("sharing:sharing")


@login_required
@never_cache
@require_GET
def shared(request: HttpRequest, username: str) -> HttpResponse:
    view = selectors.shared_portfolio(request.user, username)
    template = (
        "sharing/shared_full.html"
        if isinstance(view, selectors.FullView)
        else "sharing/shared_allocation.html"
    )
    return render(request, template, {"view": view})


@login_required
@never_cache
@require_GET
def shared_data(request: HttpRequest, username: str) -> JsonResponse:
    view = selectors.shared_portfolio(request.user, username)
    return JsonResponse(selectors.shared_portfolio_data(view))


@login_required
@never_cache
@require_GET
def household(request: HttpRequest) -> HttpResponse:
    return render(
        request, "sharing/household.html", {"household": selectors.household(request.user)}
    )
