"""Who may read and write which administrative units: the one answer every view uses.

A user's reach follows from their assignments, computed at query time with subqueries
(never stored as copied permission rows):

- MRD national and administrators read the whole country;
- PDRD reviewers and the Provincial Administration read their province and everything below;
- a DSO reads and writes their district, its communes and villages;
- a commune focal point reads and writes their commune and its villages.

Only DSOs and commune focal points write unit data; every other role is read-only.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q

from districts.roles import (
    COMMUNE_WRITE_ROLES,
    DISTRICT_WRITE_ROLES,
    MRD_ROLES,
    NATIONAL_ROLES,
    PROVINCE_READ_ROLES,
    REVIEW_ROLES,
    Role,
)

# For each level, the lookup from a unit of that level to each unit above it (and itself).
ANCESTOR_PATHS = {
    "province": {"province": "pk"},
    "district": {"province": "province", "district": "pk"},
    "commune": {"province": "district__province", "district": "district", "commune": "pk"},
    "village": {"province": "commune__district__province", "district": "commune__district", "commune": "commune"},
}

NOTHING = Q(pk__in=[])


def _assignments(user: User, roles: Iterable[Role], **unit: OuterRef) -> Exists:
    # Through the user's related manager, so this module needs no import of the models that use it.
    return Exists(user.assignments.filter(role__in=roles, **unit))


def read_q(user: User | AnonymousUser | None, level: str) -> Q:
    """A filter for the units of `level` that `user` may read.

    SECURITY: anonymous and inactive users get a filter that matches nothing.
    """
    if not (user and user.is_authenticated and user.is_active):
        return NOTHING
    paths = ANCESTOR_PATHS[level]
    q = Q(_assignments(user, NATIONAL_ROLES))
    q |= Q(_assignments(user, PROVINCE_READ_ROLES, province=OuterRef(paths["province"])))
    if "district" in paths:
        q |= Q(_assignments(user, DISTRICT_WRITE_ROLES, district=OuterRef(paths["district"])))
    if "commune" in paths:
        q |= Q(_assignments(user, COMMUNE_WRITE_ROLES, commune=OuterRef(paths["commune"])))
    return q


def write_q(user: User | AnonymousUser | None, level: str) -> Q:
    """A filter for the units of `level` whose data `user` may enter.

    SECURITY: provincial and national roles are read-only; provinces are written by nobody here.
    """
    if not (user and user.is_authenticated and user.is_active) or level == "province":
        return NOTHING
    paths = ANCESTOR_PATHS[level]
    q = Q(_assignments(user, DISTRICT_WRITE_ROLES, district=OuterRef(paths["district"])))
    if "commune" in paths:
        q |= Q(_assignments(user, COMMUNE_WRITE_ROLES, commune=OuterRef(paths["commune"])))
    return q


def has_national_reach(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.assignments.filter(role__in=NATIONAL_ROLES).exists()


def review_q(user: User | AnonymousUser | None, level: str) -> Q:
    """A filter for the districts or provinces whose reports `user` reviews (PDRD reviewers of the province).

    SECURITY: the Provincial Administration reads the same reports but never reviews them.
    """
    if not (user and user.is_authenticated and user.is_active) or level not in ("province", "district"):
        return NOTHING
    return Q(_assignments(user, REVIEW_ROLES, province=OuterRef(ANCESTOR_PATHS[level]["province"])))


def is_mrd(user: User | AnonymousUser) -> bool:
    """The ministry accepts or returns provincial reports and manages reporting periods."""
    if not user.is_authenticated:
        return False
    return user.assignments.filter(role__in=MRD_ROLES).exists()
