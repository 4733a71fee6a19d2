from django.conf import settings
from django.utils.functional import SimpleLazyObject


def languages(request):
    """The languages with their own names (Khmer in Khmer script), untranslated, for the switcher."""
    return {"PORTAL_LANGUAGES": settings.LANGUAGES}


def navigation(request):
    """The user's roles and the latest open quarter, for the menu. Queried only when a template uses them."""
    from reports.models import ReportingPeriod

    def roles():
        if not request.user.is_authenticated:
            return set()
        return set(request.user.assignments.values_list("role", flat=True))

    return {
        "portal_roles": SimpleLazyObject(roles),
        "current_period": SimpleLazyObject(
            lambda: ReportingPeriod.objects.order_by("-is_open", "-year", "-quarter").first()),
    }
