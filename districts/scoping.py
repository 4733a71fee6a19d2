"""Who may read and write which administrative units: the one answer every view uses.

A user's reach follows from their assignments, read once per request (one query, kept on the user object for
that request; any change to an assignment in this process makes it read again) and never stored as copied
permission rows:

- MRD national and administrators read the whole country;
- PDRD reviewers and the Provincial Administration read their province and everything below;
- a DSO reads and writes their district, its communes and villages;
- a commune focal point reads and writes their commune and its villages.

Only DSOs and commune focal points write unit data; every other role is read-only.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from districts.roles import (
    COMMUNE_WRITE_ROLES,
    DISTRICT_WRITE_ROLES,
    MRD_ROLES,
    NATIONAL_ROLES,
    PROVINCE_READ_ROLES,
    REVIEW_ROLES,
)

# For each level, the lookup from a unit of that level to each unit above it (and itself).
ANCESTOR_PATHS = {
    "province": {"province": "pk"},
    "district": {"province": "province", "district": "pk"},
    "commune": {"province": "district__province", "district": "district", "commune": "pk"},
    "village": {"province": "commune__district__province", "district": "commune__district", "commune": "commune"},
}

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Reach:
    """What one user's assignments open: the whole country, or these provinces, districts and communes (ids)."""

    national: bool = False
    mrd: bool = False
    provinces: frozenset[int] = frozenset()  # read (PDRD reviewers, Provincial Administration)
    reviewed_provinces: frozenset[int] = frozenset()  # review (PDRD reviewers)
    districts: frozenset[int] = frozenset()  # read and write (DSOs)
    communes: frozenset[int] = frozenset()  # read and write (commune focal points)
    held: tuple[tuple[str, str | None], ...] = ()  # (role, province code or None) of each assignment, as made


NO_REACH = Reach()

# Bumped whenever an assignment is saved or deleted in this process (districts.apps connects it): a reach read
# before is read again. Each request loads its user afresh, so this matters within a request, a task or a test.
_assignments_version = 0


def assignments_changed(**_signal: object) -> None:
    global _assignments_version  # noqa: PLW0603  # a process-local counter is the point
    _assignments_version += 1


def reach_of(user: User | AnonymousUser | None) -> Reach:
    """The user's reach, read from their assignments once and kept on the user object until one changes.

    SECURITY: anonymous and inactive users reach nothing."""
    if not (user and user.is_authenticated and user.is_active):
        return NO_REACH
    kept = getattr(user, "_drssd_reach", None)
    if kept is not None and kept[0] == _assignments_version:
        return kept[1]
    rows = list(
        user.assignments.values_list("role", "province_id", "district_id", "commune_id", "province__code").order_by(
            "pk"
        )
    )
    reach = Reach(
        national=any(role in NATIONAL_ROLES for role, *_unit in rows),
        mrd=any(role in MRD_ROLES for role, *_unit in rows),
        provinces=frozenset(p for role, p, _d, _c, _code in rows if role in PROVINCE_READ_ROLES),
        reviewed_provinces=frozenset(p for role, p, _d, _c, _code in rows if role in REVIEW_ROLES),
        districts=frozenset(d for role, _p, d, _c, _code in rows if role in DISTRICT_WRITE_ROLES),
        communes=frozenset(c for role, _p, _d, c, _code in rows if role in COMMUNE_WRITE_ROLES),
        held=tuple((role, code) for role, _p, _d, _c, code in rows),
    )
    user._drssd_reach = (_assignments_version, reach)  # type: ignore[attr-defined]
    return reach


def _among(path: str, ids: frozenset[int]) -> Q | None:
    return Q(**{f"{path}__in": sorted(ids)}) if ids else None


def _any_of(*filters: Q | None) -> Q:
    found = [q for q in filters if q is not None]
    if not found:
        return NOTHING
    q = found[0]
    for other in found[1:]:
        q |= other
    return q


def read_q(user: User | AnonymousUser | None, level: str) -> Q:
    """A filter for the units of `level` that `user` may read.

    SECURITY: anonymous and inactive users get a filter that matches nothing.
    """
    reach = reach_of(user)
    if reach.national:
        return Q()
    paths = ANCESTOR_PATHS[level]
    return _any_of(
        _among(paths["province"], reach.provinces),
        _among(paths["district"], reach.districts) if "district" in paths else None,
        _among(paths["commune"], reach.communes) if "commune" in paths else None,
    )


def write_q(user: User | AnonymousUser | None, level: str) -> Q:
    """A filter for the units of `level` whose data `user` may enter.

    SECURITY: provincial and national roles are read-only; provinces are written by nobody here.
    """
    if level == "province":
        return NOTHING
    reach = reach_of(user)
    paths = ANCESTOR_PATHS[level]
    return _any_of(
        _among(paths["district"], reach.districts),
        _among(paths["commune"], reach.communes) if "commune" in paths else None,
    )


def may_read(
    user: User | AnonymousUser | None, *, province: int, district: int | None = None, commune: int | None = None
) -> bool:
    """Whether `user` may read the unit with these ancestors (ids; its own id at its level): read_q for one unit
    already in hand, without a query."""
    reach = reach_of(user)
    return (
        reach.national
        or province in reach.provinces
        or (district is not None and district in reach.districts)
        or (commune is not None and commune in reach.communes)
    )


def may_write(user: User | AnonymousUser | None, *, district: int | None, commune: int | None = None) -> bool:
    """Whether `user` may enter data for the unit with these ancestors (ids): write_q for one unit in hand."""
    reach = reach_of(user)
    return (district is not None and district in reach.districts) or (commune is not None and commune in reach.communes)


def may_review(user: User | AnonymousUser | None, *, province: int) -> bool:
    """Whether `user` reviews the reports and ODF verifications of the province with this id (or of a unit in it):
    review_q for one unit in hand, without a query.

    SECURITY: PDRD reviewers of that province only; the Provincial Administration and national roles read but
    never review."""
    return province in reach_of(user).reviewed_provinces


def has_national_reach(user: User | AnonymousUser) -> bool:
    return reach_of(user).national


def review_q(user: User | AnonymousUser | None, level: str) -> Q:
    """A filter for the districts or provinces whose reports `user` reviews (PDRD reviewers of the province).

    SECURITY: the Provincial Administration reads the same reports but never reviews them.
    """
    if level not in ("province", "district"):
        return NOTHING
    return _any_of(_among(ANCESTOR_PATHS[level]["province"], reach_of(user).reviewed_provinces))


def is_mrd(user: User | AnonymousUser) -> bool:
    """The ministry accepts or returns provincial reports and manages reporting periods."""
    return reach_of(user).mrd
