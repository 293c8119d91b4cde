"""How an amount is spelled on SQLite: always the quantized value's text, whichever path."""

import random
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

import pytest

from portfolio.fields import amount_speller

PLACES, MAX_DIGITS = 18, 48


def quantized_text(value: Decimal, max_digits: int = MAX_DIGITS, places: int = PLACES) -> str:
    """Return the spelling by definition: quantize to the field's places, then plain text."""
    context = Context(prec=max_digits, rounding=ROUND_HALF_EVEN)
    return format(value.quantize(Decimal(1).scaleb(-places), context=context), "f")


SPELL = amount_speller(PLACES, Context(prec=MAX_DIGITS))

EDGES = [
    "0",
    "-0",
    "0.0",
    "-0.00",
    "0E-30",
    "0E+3",
    "1",
    "2000",
    "-2000",
    "30012.34000000",
    "0.00000001",  # str() gives 1E-8
    "0.000001",
    "0.123456789012345678",  # 18 places exactly
    "0.1234567890123456789",  # 19 places: rounded
    "0.1234567890123456785",  # 19 places: half-even
    "1.5E+3",
    "1E+2",
    "123456789012345678901234567890",  # 30 whole digits: fits
    "-123456789012345678901234567890",
    "123456789012345678901234567890.123456789012345678",  # 48 digits
    "99999999999999999999999999999.999999999999999999",
]


@pytest.mark.parametrize("text", EDGES)
def test_an_edge_amount_is_spelled_as_its_quantized_value(text):
    value = Decimal(text)
    assert SPELL(value) == quantized_text(value)


def test_random_amounts_are_spelled_as_their_quantized_values():
    rng = random.Random(20261124)
    for _ in range(20_000):
        whole = str(rng.randrange(10 ** rng.randrange(0, 31)))
        places = rng.randrange(0, 22)
        fraction = "".join(rng.choice("0123456789") for _ in range(places))
        sign = rng.choice(["", "-"])
        text = f"{sign}{whole}.{fraction}" if places else f"{sign}{whole}"
        value = Decimal(text)
        assert SPELL(value) == quantized_text(value), text
        scaled = value.scaleb(rng.randrange(-12, 4))
        try:
            expected = quantized_text(scaled)
        except InvalidOperation:
            with pytest.raises(InvalidOperation):
                SPELL(scaled)
        else:
            assert SPELL(scaled) == expected, scaled


@pytest.mark.parametrize(
    "text",
    ["1234567890123456789012345678901", "-1234567890123456789012345678901.5", "1E+30"],
)
def test_an_amount_with_more_whole_digits_than_the_field_holds_is_refused(text):
    with pytest.raises(InvalidOperation):
        SPELL(Decimal(text))


def test_a_field_without_decimal_places_spells_integers_without_a_point():
    spell = amount_speller(0, Context(prec=10))
    assert spell(Decimal("42")) == "42"
    assert spell(Decimal("42.5")) == quantized_text(Decimal("42.5"), 10, 0) == "42"
    with pytest.raises(InvalidOperation):
        spell(Decimal("12345678901"))
