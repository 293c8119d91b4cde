"""The header's link to the notices page, with the unread count."""

from django import template

from notices import selectors

register = template.Library()


@register.inclusion_tag("notices/_badge.html", takes_context=True)
def notice_badge(context) -> dict:
    """Return the context of the header link: the active page and the unread count."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    count = selectors.unread_count(user) if user is not None and user.is_authenticated else 0
    match = getattr(request, "resolver_match", None)
    return {"unread": count, "current": bool(match and match.app_name == "notices")}
