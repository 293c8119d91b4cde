"""The form of the sharing page: whom to share with, and at which level."""

from django import forms

from sharing.models import Share


class ShareForm(forms.Form):
    username = forms.CharField(
        label="Their username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    level = forms.ChoiceField(
        label="They may see",
        choices=Share.Level.choices,
        initial=Share.Level.ALLOCATION,  # the smaller grant, unless chosen otherwise
        widget=forms.RadioSelect,
    )
