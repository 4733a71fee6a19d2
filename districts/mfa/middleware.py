"""Sends a session that gave its password but still owes its second-step code to the code page."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from districts.mfa import rules


class SecondStepMiddleware:
    """After django_otp.middleware.OTPMiddleware. Costs no query for a session that owes nothing."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_prefixes: tuple[str, ...] | None = None

    def __call__(self, request):
        if request.user.is_authenticated and rules.owes_code(request) and not self._is_open(request.path):
            page = "mfa:verify" if rules.has_authenticator(request.user) else "mfa:setup"
            return redirect_to_login(request.get_full_path(), login_url=reverse(page))
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        """The pages a session may reach before giving its code: the code pages, logout, language, static files."""
        if self._open_prefixes is None:
            self._open_prefixes = (
                reverse("mfa:verify"),
                reverse("mfa:setup"),
                reverse("logout"),
                reverse("set_language"),
                settings.STATIC_URL or "/static/",
            )
        return path.startswith(self._open_prefixes)
