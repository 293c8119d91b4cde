"""An amount field that is exact on every database Porthole runs on.

PostgreSQL's numeric is exact. SQLite has no decimal type: Django's DecimalField lands in a
NUMERIC column, which SQLite keeps as a float (15 significant digits), so on the embedded
default the decimal's text is stored instead. Sums of amounts are therefore made in Python
with Decimal, never with SQL aggregates.
"""

from collections.abc import Callable
from decimal import Context, Decimal
from functools import cached_property, partial
from typing import Any

from django.db import models


class AmountField(models.DecimalField):
    """A DecimalField stored as numeric(max_digits, decimal_places), or as text on SQLite."""

    def get_internal_type(self) -> str:
        # Not "DecimalField": SQLite's converter for that type goes through float.
        return "AmountField"

    def db_type(self, connection) -> str:
        if connection.vendor == "sqlite":
            return "text"
        return f"numeric({self.max_digits}, {self.decimal_places})"

    def rel_db_type(self, connection) -> str:
        return self.db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        value = self.to_python(value)
        if connection.vendor == "sqlite":
            return self._text(value)
        return connection.ops.adapt_decimalfield_value(value, self.max_digits, self.decimal_places)

    @cached_property
    def _text(self) -> Callable[[Decimal], str]:
        return amount_speller(self.decimal_places, self.context)

    def db_prep_function(self, connection) -> Callable[[Any], Any]:
        """Return a function of one value giving exactly what get_db_prep_value(value) gives.

        For bulk writes through a raw cursor: a finite Decimal (what sync records hold) takes
        a short path through the same spelling; anything else goes the whole way.
        """
        slow = partial(self.get_db_prep_value, connection=connection)
        if connection.vendor != "sqlite":
            adapt = connection.ops.adapt_decimalfield_value
            max_digits, places = self.max_digits, self.decimal_places

            def prep(value: Any) -> Any:
                if type(value) is Decimal and value.is_finite():
                    return adapt(value, max_digits, places)
                return slow(value)

            return prep
        text = self._text

        def prep_text(value: Any) -> Any:
            if type(value) is Decimal and value.is_finite():
                return text(value)
            return slow(value)

        return prep_text

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value))


def amount_speller(places: int, context: Context) -> Callable[[Decimal], str]:
    """Return the function that spells a finite amount as stored on SQLite: its one spelling
    (so equality lookups on text work), the value quantized to `places` decimal places.

    context is the field's (its precision is max_digits): a value that does not fit raises
    InvalidOperation instead of being rounded off; one with more places is rounded by it.
    """
    quantum = Decimal(1).scaleb(-places)
    whole_digits = context.prec - places
    # Zeros that pad a plain decimal's text with k places to `places` places.
    pads = ["0" * (places - k) for k in range(places + 1)]
    whole_pad = "." + pads[0] if places else ""

    def spell(value: Decimal) -> str:
        # str() of a Decimal is plain (no exponent) when the value is an integer or has a few
        # decimal places, as an exchange's amounts have. Padding that text with zeros is the
        # quantized value's text, exactly, in a third of the time: no rounding can happen and
        # the digits fit. Everything else is quantized.
        text = str(value)
        point = text.find(".")
        if point < 0:
            if len(text) <= whole_digits and "E" not in text:
                return text + whole_pad
        elif point <= whole_digits and len(text) - point <= places + 1 and "E" not in text:
            return text + pads[len(text) - point - 1]
        return format(value.quantize(quantum, context=context), "f")

    return spell
