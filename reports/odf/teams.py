"""Who may be on a village's verification team: no one verifies their own area.

A team is drawn from the District Sanitation Officers and commune focal points of the village's province who
hold no assignment over the village: a DSO of the village's district, or the focal point of its commune, is
refused, whatever else they hold. The rule is checked when the team is assigned and again when a member records
the visit (an assignment given in between makes them ineligible).
"""

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet

from districts.models import Assignment, Village
from districts.roles import COMMUNE_WRITE_ROLES, DISTRICT_WRITE_ROLES


def own_area_q(village: Village) -> Q:
    """Assignments over the village: DSO of its district, focal point of its commune."""
    return Q(role__in=DISTRICT_WRITE_ROLES, district_id=village.commune.district_id) | Q(
        role__in=COMMUNE_WRITE_ROLES, commune_id=village.commune_id
    )


def eligible_verifiers(village: Village) -> QuerySet[User]:
    """Active users who may verify `village`: DSOs and commune focal points of its province, none of whose
    assignments is over the village. SECURITY: every team member is checked against this set."""
    province_id = village.commune.district.province_id
    in_province = Assignment.objects.filter(user=OuterRef("pk")).filter(
        Q(role__in=DISTRICT_WRITE_ROLES, district__province_id=province_id)
        | Q(role__in=COMMUNE_WRITE_ROLES, commune__district__province_id=province_id)
    )
    own_area = Assignment.objects.filter(user=OuterRef("pk")).filter(own_area_q(village))
    return (
        User.objects.filter(is_active=True)
        .filter(Exists(in_province), ~Exists(own_area))
        .order_by("last_name", "first_name", "username")
    )


def ineligible(village: Village, users: list[User]) -> list[User]:
    """Those of `users` who may not verify `village` (one query)."""
    allowed = set(eligible_verifiers(village).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    return [user for user in users if user.pk not in allowed]
