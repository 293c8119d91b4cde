"""Forms of the people pages; passwords go through Django's validators everywhere."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, UserCreationForm


class InviteSignupForm(UserCreationForm):
    """Username and password chosen by the invited person."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)


class NewPasswordChangeForm(PasswordChangeForm):
    """Django's password change, refusing to keep the current (perhaps temporary) password."""

    def clean_new_password1(self) -> str:
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise forms.ValidationError("Choose a password different from the current one.")
        return password


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or (when allowed) a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class PasswordConfirmForm(forms.Form):
    """The current password, asked again before a change to two-factor."""

    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
