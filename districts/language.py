"""Each person's language, kept on their profile: chosen with the language switch, applied at every login.

Django keeps the language in a cookie, so a DSO who always works in Khmer would meet English on a new
browser or after clearing cookies. The switch (set_language) also saves the choice on the profile of a
logged-in user; at login the profile's language is put back in the cookie. A language picked on the login
page itself, just before logging in, is a choice too: it is saved on the profile instead.
"""

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from districts.models import UserProfile

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
CHOSEN_BEFORE_LOGIN = "language_chosen"


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
    profile = UserProfile.objects.filter(user=user).only("language").first()
    if profile is not None and profile.language in LANGUAGE_CODES:
        request.profile_language = profile.language


class ProfileLanguageMiddleware:
    """After a login, sets the language cookie to the language on the person's profile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
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
