"""Forms of the connect flow. Secret fields are write-only: nothing is ever rendered back."""

from django import forms

from exchanges.catalog import ExchangeInfo

FIELD_LABELS = {
    "api_key": "API key",
    "secret": "Secret key",
    "password": "Passphrase",
    "uid": "User ID",
}


class WriteOnlyInput(forms.PasswordInput):
    """A password input that never renders a value, even after a failed submit."""

    def __init__(self, attrs: dict | None = None):
        super().__init__(
            attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})},
            render_value=False,
        )


class KeyForm(forms.Form):
    """The credentials an exchange needs, as ccxt's requiredCredentials says."""

    def __init__(self, *args, exchange: ExchangeInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchange = exchange
        for name in exchange.credential_fields:
            label = FIELD_LABELS[name]
            if name == "password" and exchange.help and exchange.help.passphrase:
                label = exchange.help.passphrase
            self.fields[name] = forms.CharField(
                label=label, widget=WriteOnlyInput(), strip=True, max_length=4096
            )

    def credential_values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.exchange.credential_fields}


class ConnectForm(KeyForm):
    label = forms.CharField(max_length=100, help_text="A name for this account, e.g. “Main”.")

    field_order = ["label", "api_key", "secret", "password", "uid"]


class RemoveKeyForm(forms.Form):
    keep_data = forms.TypedChoiceField(
        label="Synced history",
        choices=[
            ("1", "Keep the synced balances and history (the account stays, without a key)"),
            ("0", "Delete the account and everything synced from it"),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
