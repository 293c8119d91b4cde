"""Template filters shared by Porthole's pages."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from portfolio.amounts import plain_decimal

register = template.Library()


@register.filter
def amount(value: Decimal | int | str | None) -> str:
    """Return an exact amount without trailing zeros, its thousands grouped per locale."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool | float):
        raise TypeError(f"amount takes a Decimal, not {type(value).__name__}")
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    # numberformat works on the text for a string, so no digit is ever lost on the way.
    return number_format(plain_decimal(value), force_grouping=True)
