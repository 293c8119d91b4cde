"""Template filters shared by Porthole's pages."""

from decimal import ROUND_HALF_EVEN, Context, Decimal

from django import template
from django.utils.formats import number_format

from exchanges import catalog
from portfolio.amounts import plain_decimal

register = template.Library()
# Sums of 48-digit amounts need more than the default 28 significant digits.
_EXACT = Context(prec=100)


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


# --- Money, prices and shares on the dashboard ------------------------------------------------
# Values and prices carry up to 18 decimal places; a page shows them rounded to what the
# currency counts in (cents, whole yen, satoshis), keeping the stored value exact.

_CURRENCY_PLACES = {"JPY": 0, "BTC": 8, "ETH": 8}
_MONEY_PLACES = 2
# A price below 1 keeps this many significant digits, so 0.00001234 is not shown as 0.00.
_PRICE_DIGITS = 6


def _places(currency: str) -> int:
    return _CURRENCY_PLACES.get(currency, _MONEY_PLACES)


def _fixed(value: Decimal, places: int) -> str:
    quantized = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN, _EXACT)
    return number_format(quantized, decimal_pos=places, force_grouping=True)


def _decimal(value) -> Decimal:
    if isinstance(value, bool | float):
        raise TypeError(f"expected a Decimal, not {type(value).__name__}")
    return value if isinstance(value, Decimal) else Decimal(str(value))


@register.filter
def money(value: Decimal | None, currency: str = "") -> str:
    """Return a value rounded to its currency's places and grouped per locale ("1,234.50")."""
    if value is None or value == "":
        return ""
    return _fixed(_decimal(value), _places(currency))


@register.filter
def signed_money(value: Decimal | None, currency: str = "") -> str:
    """Return money() with an explicit "+" on gains, so a change reads as a change."""
    text = money(value, currency)
    return f"+{text}" if text and _decimal(value) > 0 else text


@register.filter
def price(value: Decimal | None, currency: str = "") -> str:
    """Return a price with the currency's places, or six significant digits when below 1."""
    if value is None or value == "":
        return ""
    value = _decimal(value)
    places = _places(currency)
    if value and abs(value) < 1:
        places = min(18, max(places, _PRICE_DIGITS - value.adjusted() - 1))
    text = _fixed(value, places)
    # Trailing zeros past the currency's own places are noise ("0.999000" reads "0.999").
    keep = _places(currency)
    while places > keep and text.endswith("0"):
        text, places = text[:-1], places - 1
    return text.rstrip(".") if places == 0 else text


@register.filter
def percent(share: Decimal | None) -> str:
    """Return a share (0.253 = a quarter and a bit) as "25.3 %"; a sliver reads "< 0.1 %"."""
    if share is None or share == "":
        return ""
    hundredths = _EXACT.multiply(_decimal(share), 100)
    if 0 < hundredths < Decimal("0.05"):
        return f"< {number_format(Decimal('0.1'), decimal_pos=1)} %"
    return f"{_fixed(hundredths, 1)} %"


@register.filter
def signed_percent(value: Decimal | None) -> str:
    """Return a change already in percent (2.65) as "+2.65 %"."""
    if value is None or value == "":
        return ""
    value = _decimal(value)
    text = _fixed(value, 2)
    return f"+{text} %" if value > 0 else f"{text} %"


@register.filter
def exchange_name(exchange_id: str) -> str:
    """Return an exchange's name ("Kraken" for "kraken"), or its id when the catalog lacks it."""
    return catalog.exchange_name(exchange_id)


@register.filter
def by_exchange(accounts) -> list[tuple[str, Decimal]]:
    """Return (exchange name, amount) pairs of a holding's accounts, one per exchange."""
    totals: dict[str, Decimal] = {}
    for account in accounts:
        name = exchange_name(account.exchange_id)
        totals[name] = _EXACT.add(totals.get(name, Decimal(0)), account.amount)
    return list(totals.items())


@register.filter
def plain(value: Decimal | None) -> str:
    """Return the exact digits without grouping, for data attributes ("" when unknown)."""
    return "" if value is None or value == "" else plain_decimal(_decimal(value))
