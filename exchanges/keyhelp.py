"""How to make a read-only key on an exchange: the words behind the connect page and refusals."""

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyHelp:
    """Short steps for a person creating a read-only API key on one exchange."""

    api_page: str  # where the API management page is, e.g. "Profile → API Management"
    steps: tuple[str, ...]  # what to click, which boxes to tick and untick
    passphrase: str = ""  # what the extra credential is called there, if it needs one
    ip_allowlist: bool = False  # whether the exchange lets a key be bound to IP addresses
    ip_advice: str = ""  # where to enter the server's IP address

    def ip_text(self) -> str:
        """Return the advice on IP restriction for this exchange."""
        if not self.ip_allowlist:
            return "This exchange does not let you bind a key to an IP address."
        return (
            "Restrict the key to this server's IP address"
            + (f" ({self.ip_advice})" if self.ip_advice else "")
            + ": a stolen key is then useless elsewhere."
        )
