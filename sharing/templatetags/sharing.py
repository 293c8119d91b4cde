"""Template filters of the sharing pages."""

from decimal import Decimal

from django import template

from sharing.selectors import percent_of

register = template.Library()


@register.filter
def percent(share: Decimal | None) -> str:
    """Return a fraction (0.25) as a percentage with 2 decimals ("25.00"); "" when unknown."""
    value = percent_of(share)
    return "" if value is None else str(value)
