"""Return checked pieces of an exchange's answer; anything unexpected fails closed."""

from typing import Any

from exchanges.errors import MalformedAnswer, Unverifiable


def require_dict(value: Any, what: str = "answer") -> dict:
    """Return value if it is a JSON object, else refuse."""
    if not isinstance(value, dict):
        raise MalformedAnswer(f"The exchange's {what} is not in the documented form.")
    return value


def require_list(value: Any, what: str = "answer") -> list:
    """Return value if it is a JSON array, else refuse."""
    if not isinstance(value, list):
        raise MalformedAnswer(f"The exchange's {what} is not in the documented form.")
    return value


def require_field(data: dict, name: str, kind: type | tuple[type, ...]) -> Any:
    """Return data[name] if present with the expected type, else refuse."""
    if name not in data:
        raise MalformedAnswer(f"The exchange's answer lacks the field “{name}”.")
    value = data[name]
    # bool is an int in Python: a field documented as a number must not be a bool.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise MalformedAnswer(f"The exchange's field “{name}” has an unexpected type.")
    if not isinstance(value, kind):
        raise MalformedAnswer(f"The exchange's field “{name}” has an unexpected type.")
    return value


def split_csv(value: str) -> list[str]:
    """Return the non-empty, stripped items of a comma-separated string."""
    return [item.strip() for item in value.split(",") if item.strip()]


def key_mismatch() -> Unverifiable:
    """Return the error for an answer that describes some other key than the one given."""
    return Unverifiable(
        "The exchange's answer did not describe this API key, so Porthole could not confirm "
        "that it is read-only."
    )
