"""Each person's language, kept on their profile: chosen with the language switch, applied at every login.

The same for the digits of dates on Khmer pages (Khmer ១៥/១០/២០១៩ or Arabic 15/10/2019): a choice kept on the
profile, carried by a cookie (no query per page), and read by the `date` and `time` template filters
(districts/templatetags/dates.py) through khmer_date_digits().

Django keeps the language in a cookie, so a DSO who always works in Khmer would meet English on a new
browser or after clearing cookies. The switch (set_language) also saves the choice on the profile of a
logged-in user; at login the profile's language is put back in the cookie. A language picked on the login
page itself, just before logging in, is a choice too: it is saved on the profile instead.
"""

import contextvars

from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from districts.models import UserProfile

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
CHOSEN_BEFORE_LOGIN = "language_chosen"
DIGITS_COOKIE = "date_digits"
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")  # for str.translate: the one table of the portal
_khmer_digits = contextvars.ContextVar("khmer_date_digits", default=False)


def khmer_date_digits():
    """Whether dates are written in Khmer digits now: a Khmer page for a person who asked for them."""
    return _khmer_digits.get() and get_language() == "km"


@require_POST
def set_date_digits(request):
    """Dates in Khmer or Arabic digits on Khmer pages: kept on the profile of a logged-in user and in a cookie."""
    khmer = request.POST.get("digits") == "khmer"
    following = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(following, {request.get_host()}, require_https=request.is_secure()):
        following = "/"
    response = redirect(following)
    if request.user.is_authenticated:
        UserProfile.objects.update_or_create(user=request.user, defaults={"khmer_digits": khmer})
    _set_digits_cookie(response, khmer)
    return response


def _set_digits_cookie(response, khmer):
    response.set_cookie(
        DIGITS_COOKIE,
        "khmer" if khmer else "arabic",
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@require_POST
def set_language(request):
    """Django's set_language, which also remembers the choice on a logged-in user's profile."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if language in LANGUAGE_CODES:
        if request.user.is_authenticated:
            UserProfile.objects.update_or_create(user=request.user, defaults={"language": language})
        else:
            # A marker cookie rather than a session: no session row for every anonymous visitor.
            response.set_cookie(
                CHOSEN_BEFORE_LOGIN,
                "1",
                max_age=60 * 60,
                httponly=True,
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
    return response


def on_logged_in(sender, request, user, **kwargs):
    """The profile's language for this login (the middleware writes it into the cookie)."""
    if request is None or not hasattr(request, "COOKIES"):
        return
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if request.COOKIES.get(CHOSEN_BEFORE_LOGIN) and chosen in LANGUAGE_CODES:
        UserProfile.objects.update_or_create(user=user, defaults={"language": chosen})
        request.language_choice_saved = True
        return
    profile = UserProfile.objects.filter(user=user).only("language", "khmer_digits").first()
    if profile is not None:
        request.profile_digits = profile.khmer_digits
        if profile.language in LANGUAGE_CODES:
            request.profile_language = profile.language


class ProfileLanguageMiddleware:
    """After a login, sets the language and date-digits cookies from the person's profile; on every request, makes
    the date-digits cookie what khmer_date_digits() answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _khmer_digits.set(request.COOKIES.get(DIGITS_COOKIE) == "khmer")
        try:
            response = self.get_response(request)
        finally:
            _khmer_digits.reset(token)
        if getattr(request, "profile_digits", None) is not None:
            _set_digits_cookie(response, request.profile_digits)
        if getattr(request, "language_choice_saved", False):
            response.delete_cookie(CHOSEN_BEFORE_LOGIN, samesite="Lax")
        language = getattr(request, "profile_language", None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
