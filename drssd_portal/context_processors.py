from django.conf import settings
from django.utils.functional import SimpleLazyObject

from districts.roles import DASHBOARD_ROLES, NATIONAL_ROLES, PERIOD_MANAGER_ROLES, REVIEW_ROLES, Role
from districts.scoping import reach_of
from reports.models import ReportingPeriod


def languages(request):
    """The languages with their own names (Khmer in Khmer script), untranslated, for the switcher."""
    return {"PORTAL_LANGUAGES": settings.LANGUAGES}


def navigation(request):
    """What the menu shows for this user, decided here once from the user's roles (templates never name a
    role), and the latest open quarter. Queried only when a template uses them."""

    def roles():
        """[(role, province code or None)] of the user's assignments (their reach, read once per request)."""
        return list(reach_of(request.user).held)

    def menu():
        held = {role for role, _province in portal_roles}
        return {
            "dashboards": any(role in held for role in DASHBOARD_ROLES),
            "review_queue": any(role in held for role in REVIEW_ROLES),
            "periods": any(role in held for role in PERIOD_MANAGER_ROLES),
            "odf_scorecard_settings": any(role in held for role in PERIOD_MANAGER_ROLES),
            "exchange": any(role in held for role in NATIONAL_ROLES),
            # The Provincial Administration's copy of its province's reports (the first, if it has several).
            "inbox": next((code for role, code in portal_roles if role == Role.PA_VIEWER), None),
        }

    portal_roles = SimpleLazyObject(roles)
    return {
        "menu": SimpleLazyObject(menu),
        "Role": Role,
        "current_period": SimpleLazyObject(
            lambda: ReportingPeriod.objects.order_by("-is_open", "-year", "-quarter").first()
        ),
    }
