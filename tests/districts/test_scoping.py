"""Who reads and writes which administrative units: `visible_to(user)` and `editable_by(user)`.

The world of tests/conftest.py: province P (05 Kampong Speu) with districts A (0508) and B (0501),
province Q (25 Tbong Khmum) with district C (2501); two communes per district, two villages per commune.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from districts import scoping
from districts.models import Commune, District, Province, Role, Village
from tests.factories import AssignmentFactory, DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def all_codes(model):
    return codes(model.objects.all())


def readable(user):
    return {
        "provinces": codes(Province.objects.visible_to(user)),
        "districts": codes(District.objects.visible_to(user)),
        "communes": codes(Commune.objects.visible_to(user)),
        "villages": codes(Village.objects.visible_to(user)),
    }


def writable(user):
    return {
        "provinces": codes(Province.objects.editable_by(user)),
        "districts": codes(District.objects.editable_by(user)),
        "communes": codes(Commune.objects.editable_by(user)),
        "villages": codes(Village.objects.editable_by(user)),
    }


NOTHING = {"provinces": set(), "districts": set(), "communes": set(), "villages": set()}


def everything():
    return {
        "provinces": all_codes(Province),
        "districts": all_codes(District),
        "communes": all_codes(Commune),
        "villages": all_codes(Village),
    }


def below(district_codes):
    """The districts with these codes and every commune and village under them."""
    return {
        "provinces": set(),
        "districts": set(district_codes),
        "communes": codes(Commune.objects.filter(district__code__in=district_codes)),
        "villages": codes(Village.objects.filter(commune__district__code__in=district_codes)),
    }


# --- District sanitation officers -------------------------------------------------------------


def test_dso_reads_own_district_and_its_communes_only(dso_a):
    assert readable(dso_a) == below(["0508"])
    assert readable(dso_a)["communes"] == {"050801", "050802"}
    assert readable(dso_a)["villages"] == {"05080101", "05080102", "05080201", "05080202"}


def test_dso_cannot_read_own_province(dso_a):
    assert not Province.objects.visible_to(dso_a).exists()


def test_dso_writes_own_district_its_communes_and_villages(dso_a):
    assert writable(dso_a) == below(["0508"])


def test_dsos_of_neighbouring_districts_do_not_see_each_other(dso_a, dso_b, world):
    assert readable(dso_b) == below(["0501"])
    assert writable(dso_b) == below(["0501"])
    assert not District.objects.visible_to(dso_a).filter(pk=world.district_b.pk).exists()
    assert not Commune.objects.editable_by(dso_b).filter(pk=world.commune_a1.pk).exists()


def test_retired_district_stays_readable_by_its_dso(dso_a, world):
    # Reports filed under a unit that no longer exists must stay reachable.
    District.objects.filter(pk=world.district_a.pk).update(retired_on="2022-12-23")
    assert readable(dso_a) == below(["0508"])


# --- Commune focal points ---------------------------------------------------------------------


def test_focal_point_reads_and_writes_own_commune_and_its_villages_only(focal_a1):
    own = {"provinces": set(), "districts": set(), "communes": {"050801"}, "villages": {"05080101", "05080102"}}
    assert readable(focal_a1) == own
    assert writable(focal_a1) == own


def test_focal_point_cannot_read_the_district_above(focal_a1, world):
    assert not District.objects.visible_to(focal_a1).filter(pk=world.district_a.pk).exists()
    assert not Commune.objects.visible_to(focal_a1).filter(pk=world.commune_a2.pk).exists()


# --- Provincial roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p"])
def test_provincial_role_reads_province_and_everything_below(persona, request):
    user = request.getfixturevalue(persona)
    expected = below(["0508", "0501"])
    expected["provinces"] = {"05"}
    assert readable(user) == expected


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p"])
def test_provincial_role_does_not_read_other_province(persona, request, world):
    user = request.getfixturevalue(persona)
    assert not Province.objects.visible_to(user).filter(pk=world.province_q.pk).exists()
    assert not District.objects.visible_to(user).filter(pk=world.district_c.pk).exists()
    assert not Village.objects.visible_to(user).filter(commune__district=world.district_c).exists()


@pytest.mark.parametrize("persona", ["reviewer_p", "pa_p"])
def test_provincial_role_is_read_only(persona, request):
    assert writable(request.getfixturevalue(persona)) == NOTHING


def test_district_added_later_is_visible_to_province_reviewer_without_new_rows(reviewer_p, world):
    # Inheritance is computed at query time, never copied into permission rows.
    new = DistrictFactory(province=world.province_p, code="0509", name_latin="Odongk Maechay")
    assert District.objects.visible_to(reviewer_p).filter(pk=new.pk).exists()
    assert reviewer_p.assignments.count() == 1


# --- National roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mrd", "administrator"])
def test_national_role_reads_the_whole_country(persona, request):
    assert readable(request.getfixturevalue(persona)) == everything()


@pytest.mark.parametrize("persona", ["mrd", "administrator"])
def test_national_role_writes_nothing(persona, request):
    assert writable(request.getfixturevalue(persona)) == NOTHING


def test_nobody_writes_provinces(dso_a, focal_a1, reviewer_p, pa_p, mrd, administrator):
    for user in (dso_a, focal_a1, reviewer_p, pa_p, mrd, administrator):
        assert not Province.objects.editable_by(user).exists(), user.username


# --- No access ------------------------------------------------------------------------------------


def test_anonymous_visitor_reads_and_writes_nothing(world):
    anonymous = AnonymousUser()
    assert readable(anonymous) == NOTHING
    assert writable(anonymous) == NOTHING


def test_inactive_user_reads_and_writes_nothing_despite_assignments(world):
    user = UserFactory(username="left_the_ministry", is_active=False)
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    AssignmentFactory(user=user, role=Role.MRD_NATIONAL)
    assert readable(user) == NOTHING
    assert writable(user) == NOTHING


def test_user_without_assignment_reads_and_writes_nothing(world):
    user = UserFactory(username="new_hire")
    assert readable(user) == NOTHING
    assert writable(user) == NOTHING


def test_assignment_of_another_user_grants_nothing(dso_a, world):
    other = UserFactory(username="bystander")
    assert readable(other) == NOTHING


# --- Several assignments --------------------------------------------------------------------------


def test_user_with_two_assignments_reads_the_union(world):
    user = UserFactory(username="dso_a_and_pdrd_q")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_q)

    expected = below(["0508", "2501"])
    expected["provinces"] = {"25"}
    assert readable(user) == expected
    assert "05" not in readable(user)["provinces"]
    assert "0501" not in readable(user)["districts"]


def test_user_with_two_assignments_writes_only_where_a_write_role_reaches(world):
    user = UserFactory(username="dso_a_and_pdrd_q")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_q)
    assert writable(user) == below(["0508"])


def test_scoped_querysets_return_each_unit_once(world):
    # Overlapping assignments must not duplicate rows (id lists, not joins to the assignments).
    user = UserFactory(username="overlapping")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    AssignmentFactory(user=user, role=Role.COMMUNE_FOCAL_POINT, commune=world.commune_a1)
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_p)
    AssignmentFactory(user=user, role=Role.MRD_NATIONAL)
    assert Village.objects.visible_to(user).count() == Village.objects.count()
    assert Village.objects.editable_by(user).count() == 4


# --- The reach, read once -------------------------------------------------------------------------


def test_reach_is_read_once_and_again_after_an_assignment_changes(world, django_assert_num_queries):
    user = UserFactory(username="moves_district")
    AssignmentFactory(user=user, role=Role.DSO, district=world.district_a)
    with django_assert_num_queries(1):
        assert scoping.reach_of(user).districts == {world.district_a.pk}
        assert scoping.reach_of(user).districts == {world.district_a.pk}
    moved = user.assignments.get()
    moved.district = world.district_b
    moved.save()
    assert codes(District.objects.editable_by(user)) == {"0501"}
    moved.delete()
    assert writable(user) == NOTHING
    AssignmentFactory(user=user, role=Role.MRD_NATIONAL)
    assert readable(user) == everything()


def test_deactivated_user_reaches_nothing_at_once(dso_a, world):
    assert writable(dso_a) == below(["0508"])
    dso_a.is_active = False
    assert readable(dso_a) == NOTHING
    assert writable(dso_a) == NOTHING


@pytest.mark.parametrize("persona", ["dso_a", "focal_a1", "reviewer_p", "pa_p", "mrd", "administrator"])
def test_may_read_and_may_write_agree_with_the_scoped_querysets_on_every_unit(persona, request, world):
    """The checks on one unit in hand (no query) give the querysets' answer for every district and commune."""
    user = request.getfixturevalue(persona)
    readable_districts = set(District.objects.visible_to(user).values_list("pk", flat=True))
    writable_districts = set(District.objects.editable_by(user).values_list("pk", flat=True))
    for district in District.objects.all():
        assert scoping.may_read(user, province=district.province_id, district=district.pk) == (
            district.pk in readable_districts
        )
        assert scoping.may_write(user, district=district.pk) == (district.pk in writable_districts)
    readable_communes = set(Commune.objects.visible_to(user).values_list("pk", flat=True))
    writable_communes = set(Commune.objects.editable_by(user).values_list("pk", flat=True))
    for commune in Commune.objects.select_related("district"):
        ancestors = {"district": commune.district_id, "commune": commune.pk}
        assert scoping.may_read(user, province=commune.district.province_id, **ancestors) == (
            commune.pk in readable_communes
        )
        assert scoping.may_write(user, **ancestors) == (commune.pk in writable_communes)


@pytest.mark.parametrize(
    "persona", ["dso_a", "focal_a1", "reviewer_p", "pa_p", "mrd", "administrator", "anonymous", "inactive_reviewer"]
)
def test_may_review_agrees_with_the_reviewable_querysets_on_every_unit(persona, request, world):
    """Only a PDRD reviewer reviews, and only in their province: the check on one unit in hand gives the answer of
    `reviewable_by` for every province and district."""
    if persona == "anonymous":
        user = AnonymousUser()
    elif persona == "inactive_reviewer":
        user = UserFactory(username="inactive_reviewer", is_active=False)
        AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_p)
    else:
        user = request.getfixturevalue(persona)
    reviewed = set(Province.objects.reviewable_by(user).values_list("pk", flat=True))
    reviewed_districts = set(District.objects.reviewable_by(user).values_list("pk", flat=True))
    for province in Province.objects.all():
        assert scoping.may_review(user, province=province.pk) == (province.pk in reviewed)
    for district in District.objects.all():
        assert scoping.may_review(user, province=district.province_id) == (district.pk in reviewed_districts)
    assert (persona == "reviewer_p") == scoping.may_review(user, province=world.province_p.pk)
    assert not scoping.may_review(user, province=world.province_q.pk)


def test_may_review_reads_no_more_than_the_reach(reviewer_p, world, django_assert_num_queries):
    with django_assert_num_queries(1):  # the reach, once
        assert scoping.may_review(reviewer_p, province=world.province_p.pk)
        assert not scoping.may_review(reviewer_p, province=world.province_q.pk)
