"""The notice preferences form: two boxes (in the app, by email) per kind."""

from django import forms

from notices.models import Kind
from notices.selectors import Channels


class PreferencesForm(forms.Form):
    """One in-app and one email box for every kind of notice."""

    def __init__(self, *args, current: dict[str, Channels], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            channels = current[kind.value]
            self.fields[f"{kind.value}_in_app"] = forms.BooleanField(
                label=f"{kind.label}: in Porthole", required=False, initial=channels.in_app
            )
            self.fields[f"{kind.value}_email"] = forms.BooleanField(
                label=f"{kind.label}: by email", required=False, initial=channels.email
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """Return each kind's label with its two boxes, for the table."""
        return [
            (kind.label, self[f"{kind.value}_in_app"], self[f"{kind.value}_email"]) for kind in Kind
        ]

    def choices(self) -> dict[str, Channels]:
        """Return the channels ticked for each kind (after validation)."""
        data = self.cleaned_data
        return {
            kind.value: Channels(
                in_app=data[f"{kind.value}_in_app"], email=data[f"{kind.value}_email"]
            )
            for kind in Kind
        }
