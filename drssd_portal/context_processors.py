from django.conf import settings


def languages(request):
    """The languages with their own names (Khmer in Khmer script), untranslated, for the switcher."""
    return {"PORTAL_LANGUAGES": settings.LANGUAGES}
