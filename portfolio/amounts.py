"""Exact text for amounts: what the pages, the CSV exports and the shell show.

Decimal.normalize() is avoided on purpose: it rounds to the context's 28 significant digits,
and an amount may carry 48 (30 integer, 18 decimal), so trailing zeros are cut from the text.
"""

from decimal import Decimal


def plain_decimal(value: Decimal) -> str:
    """Return value in fixed-point notation without trailing zeros ("0.00000001", "100")."""
    if not isinstance(value, Decimal):
        # A float would already be inexact; refusing it keeps mistakes from reaching a page.
        raise TypeError(f"plain_decimal() takes a Decimal, not {type(value).__name__}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
