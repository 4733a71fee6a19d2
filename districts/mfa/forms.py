from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """One code: six digits from the authenticator app, or (when `recovery` is allowed) a recovery code."""

    code = forms.CharField(max_length=64, strip=True)

    def __init__(self, *args, recovery=True, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if recovery:
            field.label = _("Code")
            field.help_text = _("The six digits your authenticator app shows now, or one of your recovery codes.")
        else:
            field.label = _("Six-digit code")
            field.help_text = _("The six digits the app shows for the DRSSD Portal, after scanning the QR code.")
            field.widget.attrs["inputmode"] = "numeric"
        field.widget.attrs.update({"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"})
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label or _("Continue")))
