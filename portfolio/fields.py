"""An amount field that is exact on every database Porthole runs on.

PostgreSQL's numeric is exact. SQLite has no decimal type: Django's DecimalField lands in a
NUMERIC column, which SQLite keeps as a float (15 significant digits), so on the embedded
default the decimal's text is stored instead. Sums of amounts are therefore made in Python
with Decimal, never with SQL aggregates.
"""

from decimal import Decimal

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
            # One spelling per value, so equality lookups on the text work.
            quantum = Decimal(1).scaleb(-self.decimal_places)
            return format(value.quantize(quantum, context=self.context), "f")
        return connection.ops.adapt_decimalfield_value(value, self.max_digits, self.decimal_places)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value))
