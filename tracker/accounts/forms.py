from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.validators import RegexValidator
from django_otp import user_has_device
from django_otp.forms import OTPAuthenticationFormMixin

from . import two_factor

CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}


class AdminLoginForm(OTPAuthenticationFormMixin, AdminAuthenticationForm):
    """The admin's sign-in: username and password, and for staff who have set up an
    authenticator app, the code it shows."""

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        help_text="Only if you have set up two-factor sign-in.",
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Two-factor sign-in is on for this account: "
        "enter the 6-digit code from your authenticator app.",
        "invalid_token": "That code is wrong or has expired: enter the code your app shows now.",
    }

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        # Staff without an authenticator sign in with their password alone; whether the
        # settings require them to set one up is the admin site's to decide afterwards.
        if user is not None and user_has_device(user):
            self.clean_otp(user)
        return cleaned_data

    def _chosen_device(self, user):
        # Our enrolment gives each user one authenticator, so there is nothing to choose.
        return two_factor.confirmed_device(user, for_verify=True)


class AuthenticatorCodeForm(forms.Form):
    """A code from the authenticator app, checked against one device."""

    token = forms.CharField(
        label="6-digit code from the app",
        validators=[RegexValidator(r"^\d{6}$", "Enter the 6 digits the app shows, no spaces.")],
        widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": True, "maxlength": 6}),
    )

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"]
        allowed, _ = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError("Too many wrong codes: wait a minute, then try again.")
        if not two_factor.verify(self.device, token):
            raise forms.ValidationError(
                "That code is wrong or has expired: enter the code the app shows now."
            )
        return token
