from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from districts import login_throttle


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))

    def clean_username(self):
        # SECURITY: AuthenticationForm sets max_length after the field is built, so Django does not enforce it;
        # an overlong name would reach the login-failure records (django-axes: 255 characters) and fail there.
        username = self.cleaned_data.get("username") or ""
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return username

    def clean(self):
        # SECURITY: an account under a guessing attack takes one attempt at a time (districts/login_throttle.py).
        wait = login_throttle.seconds_to_wait(self.data.get("username"))
        if wait:
            raise ValidationError(
                _("Too many failed logins for this account. Wait %(seconds)d seconds, then try again."),
                code="throttled",
                params={"seconds": wait},
            )
        return super().clean()


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Change my password")))
