from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistrictsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "districts"
    verbose_name = _("Administrative units")

    def ready(self):
        # Per-account slowing of password guessing (districts/login_throttle.py), beside django-axes.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from districts import login_throttle

        user_login_failed.connect(login_throttle.on_login_failed, dispatch_uid="login-throttle-failed")
        user_logged_in.connect(login_throttle.on_logged_in, dispatch_uid="login-throttle-success")

        # Two-step login (districts/mfa): does this session owe a code? Decided once, when the password is accepted.
        from districts.mfa import checks, rules  # noqa: F401 (checks registers itself)

        user_logged_in.connect(rules.on_logged_in, dispatch_uid="mfa-owed-at-login")

        # Each person's language, kept on their profile, applied at login (districts/language.py).
        from districts import language

        user_logged_in.connect(language.on_logged_in, dispatch_uid="language-of-profile-at-login")

        # The security log (drssd_portal/security_log.py): failed logins, lockouts, role changes.
        from axes.signals import user_locked_out
        from django.db.models.signals import post_delete, post_save

        from districts.models import Assignment
        from drssd_portal import security_log

        user_login_failed.connect(security_log.on_login_failed, dispatch_uid="security-log-login-failed")
        user_locked_out.connect(security_log.on_locked_out, dispatch_uid="security-log-lockout")
        post_save.connect(security_log.on_assignment_saved, sender=Assignment, dispatch_uid="security-log-role-saved")
        post_delete.connect(
            security_log.on_assignment_deleted, sender=Assignment, dispatch_uid="security-log-role-removed"
        )

        # A user's reach (districts/scoping.py) is read once and kept until an assignment changes.
        from districts import scoping

        post_save.connect(scoping.assignments_changed, sender=Assignment, dispatch_uid="reach-role-saved")
        post_delete.connect(scoping.assignments_changed, sender=Assignment, dispatch_uid="reach-role-removed")
