from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_step_login_required(app_configs, **kwargs):
    """`manage.py check --deploy` says so when PDRD, MRD and administrators can log in with a password alone."""
    if settings.MFA_REQUIRED:
        return []
    return [
        Warning(
            "MFA_REQUIRED is off: PDRD reviewers, MRD users and administrators can log in without two-step login.",
            hint="Remove MFA_REQUIRED=false from the environment.",
            id="drssd.W001",
        )
    ]
