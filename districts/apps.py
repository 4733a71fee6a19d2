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
