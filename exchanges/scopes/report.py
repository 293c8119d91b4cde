"""The normalized answer to "what may this key do?", the same for every exchange."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Scope(StrEnum):
    READ = "read"
    TRADE = "trade"
    TRANSFER = "transfer"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Permission:
    """One permission the exchange reported as granted, in plain words.

    `flag` is the exchange's own name; `description` completes "… is enabled" style sentences
    for a person ("Withdrawals are enabled"); `fix` says what to switch off on the exchange.
    """

    flag: str
    scope: Scope
    description: str
    fix: str = ""


@dataclass(frozen=True)
class FlagRule:
    """How one exchange flag maps to a scope, with the words shown to the owner."""

    scope: Scope
    description: str
    fix: str = ""

    def permission(self, flag: str) -> Permission:
        return Permission(flag, self.scope, self.description, self.fix)


def unknown_permission(flag: str, exchange_name: str) -> Permission:
    """Return the permission for a flag the inspector does not recognise (counts as unsafe)."""
    return Permission(
        flag,
        Scope.UNKNOWN,
        f"The permission “{flag}” is enabled, and Porthole does not know what it allows",
        f"switch “{flag}” off on {exchange_name}, or leave only the read permission on",
    )


@dataclass
class ScopeReport:
    """What the exchange said this key may do. Never holds a credential."""

    exchange_id: str
    granted: list[Permission]
    raw: dict[str, Any] = field(default_factory=dict)
    ip_restricted: bool | None = None
    ip_allowlist: list[str] = field(default_factory=list)
    expires_at: datetime | None = None
    notes: list[str] = field(default_factory=list)

    def _in(self, scope: Scope) -> list[Permission]:
        return [p for p in self.granted if p.scope is scope]

    @property
    def can_read(self) -> bool:
        return bool(self._in(Scope.READ))

    @property
    def can_trade(self) -> bool:
        return bool(self._in(Scope.TRADE))

    @property
    def can_transfer(self) -> bool:
        return bool(self._in(Scope.TRANSFER))

    @property
    def unknown(self) -> list[Permission]:
        return self._in(Scope.UNKNOWN)

    @property
    def read_only(self) -> bool:
        """Return True only when the key can read and nothing else at all was reported."""
        return self.can_read and not (self.can_trade or self.can_transfer or self.unknown)

    @property
    def problems(self) -> list[Permission]:
        """Return the permissions that make the key unacceptable, transfers first."""
        order = {Scope.TRANSFER: 0, Scope.TRADE: 1, Scope.UNKNOWN: 2}
        bad = [p for p in self.granted if p.scope is not Scope.READ]
        return sorted(bad, key=lambda p: order[p.scope])

    def refusal_reasons(self) -> list[str]:
        """Return one plain sentence per reason the key is refused (empty when read-only)."""
        reasons = [
            f"{p.description}: {p.fix}." if p.fix else f"{p.description}." for p in self.problems
        ]
        if not self.can_read:
            reasons.append("The key has no read permission, so Porthole could not use it.")
        return reasons

    def summary(self) -> str:
        """Return a few words for lists: "read only" or what is wrong."""
        if self.read_only:
            return "read only"
        parts = []
        if self.can_transfer:
            parts.append("can move funds")
        if self.can_trade:
            parts.append("can trade")
        if self.unknown:
            parts.append("unknown permissions")
        if not self.can_read:
            parts.append("cannot read")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-safe dict for storing on the account (no secrets in it)."""
        return {
            "exchange_id": self.exchange_id,
            "read_only": self.read_only,
            "summary": self.summary(),
            "granted": [
                {"flag": p.flag, "scope": p.scope.value, "description": p.description, "fix": p.fix}
                for p in self.granted
            ],
            "raw": self.raw,
            "ip_restricted": self.ip_restricted,
            "ip_allowlist": self.ip_allowlist,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ScopeReport":
        expires = data.get("expires_at")
        return cls(
            exchange_id=data["exchange_id"],
            granted=[
                Permission(g["flag"], Scope(g["scope"]), g["description"], g.get("fix", ""))
                for g in data.get("granted", [])
            ],
            raw=data.get("raw", {}),
            ip_restricted=data.get("ip_restricted"),
            ip_allowlist=data.get("ip_allowlist", []),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            notes=data.get("notes", []),
        )
