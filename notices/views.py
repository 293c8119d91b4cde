"""Thin views: a user's notices and preferences, and the admin's instance overview."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from notices import selectors, services
from notices.forms import PreferencesForm
from portfolio.health import health_report

PAGE_SIZE = 50


@login_required
@never_cache
def notice_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notices_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notices/list.html",
        {"page": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_for(request.user, pk)
    if notice is None:
        raise Http404("No such notice.")
    services.mark_read(notice)
    return redirect("notices:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("notices:list")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, current=selectors.preferences_for(request.user))
    if request.method == "POST" and form.is_valid():
        services.set_preferences(request.user, form.choices())
        messages.success(request, "Notice preferences saved.")
        return redirect("notices:preferences")
    return render(
        request,
        "notices/preferences.html",
        {
            "form": form,
            "email_configured": settings.EMAIL_CONFIGURED,
            "has_email": bool(request.user.email),
        },
    )


@staff_member_required
@never_cache
def instance_overview(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Instance overview",
        "overview": selectors.instance_overview(),
        "health": health_report(),
    }
    return render(request, "admin/notices/overview.html", context)
