"""The ODF funnel of a quarter (reports/odf/funnel.py) against hand-computed counts: flows of the quarter, the stock at
its end (a slippage, a retired village, re-verifications overdue and due next quarter), a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from districts.models import Village
from reports.odf.funnel import by_province, funnel
from reports.odf.models import OdfClaim, OdfSettings, OdfSlippage, OdfVisit
from tests.factories import UserFactory

D = datetime.date


def at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def village(code):
    return Village.objects.get(code=code)


def claim(code, declared_on, *, visited_on=None, certified_on=None, kind=OdfClaim.Kind.FIRST, by):
    state = (
        OdfClaim.State.CERTIFIED if certified_on else OdfClaim.State.PASSED if visited_on else OdfClaim.State.CLAIMED
    )
    made = OdfClaim.objects.create(
        village=village(code),
        kind=kind,
        state=state,
        declared_on=declared_on,
        claimed_by=by,
        claimed_at=at(declared_on),
        certified_on=certified_on,
        certified_at=at(certified_on) if certified_on else None,
    )
    if visited_on:
        OdfVisit.objects.create(
            claim=made, visited_on=visited_on, households_visited=30, result=OdfVisit.Result.PASS, recorded_by=by
        )
    return made


@pytest.fixture
def history(world):
    """Province P: district A (communes 050801, 050802), B (050101, 050102); province Q: district C."""
    OdfSettings.current()  # the MRD's row exists (its first read would create it)
    by = UserFactory(username="recorder")
    claim("05080101", D(2024, 1, 10), visited_on=D(2024, 2, 1), certified_on=D(2024, 3, 1), by=by)
    claim("05080102", D(2024, 4, 5), visited_on=D(2024, 5, 1), certified_on=D(2024, 5, 20), by=by)
    claim("05080201", D(2023, 4, 1), visited_on=D(2023, 5, 1), certified_on=D(2023, 5, 15), by=by)  # due 2024-05-15
    claim("05080202", D(2023, 7, 1), visited_on=D(2023, 7, 10), certified_on=D(2023, 8, 1), by=by)
    OdfSlippage.objects.create(
        village=village("05080202"),
        slipped_on=D(2024, 6, 10),
        reason="Open defecation seen",
        source=OdfSlippage.Source.REVIEWER,
        recorded_at=at(D(2024, 6, 10)),
    )
    claim("05080202", D(2024, 6, 20), by=by)  # declared again, not yet verified
    claim("05010101", D(2023, 6, 1), visited_on=D(2023, 7, 1), certified_on=D(2023, 7, 20), by=by)  # due 2024-07-20
    claim("05010102", D(2022, 1, 1), visited_on=D(2022, 2, 1), certified_on=D(2022, 3, 1), by=by)
    Village.objects.filter(code="05010102").update(retired_on=D(2024, 3, 1))
    claim("05010201", D(2024, 1, 2), visited_on=D(2024, 1, 5), certified_on=D(2024, 1, 15), by=by)
    claim("05010202", D(2024, 1, 2), visited_on=D(2024, 1, 5), certified_on=D(2024, 1, 15), by=by)
    claim("25010101", D(2024, 4, 2), visited_on=D(2024, 4, 20), certified_on=D(2024, 6, 1), by=by)
    claim("25010102", D(2023, 3, 1), visited_on=D(2023, 3, 10), certified_on=D(2023, 4, 1), by=by)
    claim(  # re-verified in the quarter: its next re-verification is a year later, not overdue
        "25010102",
        D(2024, 4, 1),
        visited_on=D(2024, 4, 10),
        certified_on=D(2024, 4, 20),
        kind=OdfClaim.Kind.REVERIFICATION,
        by=by,
    )
    return world


def as_dict(counts):
    return {name: value for name, value in vars(counts).items() if value}


def test_a_province_funnel_by_district(history):
    result = funnel("province", history.province_p, 2024, 2)

    by_code = {unit.code: as_dict(counts) for unit, counts in result.rows}
    assert by_code["0508"] == {  # a12 declared, verified, certified; a22 slipped and declared again; a21 overdue
        "declared": 2,
        "verified": 1,
        "certified": 1,
        "slipped": 1,
        "villages": 4,
        "certified_villages": 3,
        "communes": 2,
        "odf_communes": 1,
        "districts": 1,
        "reverification_overdue": 1,
    }
    assert by_code["0501"] == {  # the retired village no longer counts: commune 050101 is ODF with its one village
        "villages": 3,
        "certified_villages": 3,
        "communes": 2,
        "odf_communes": 2,
        "districts": 1,
        "odf_districts": 1,
        "reverification_due_next": 1,
    }
    assert [unit.code for unit, _counts in result.rows] == ["0501", "0508"]
    assert (result.total.declared, result.total.certified_villages, result.total.odf_communes) == (2, 6, 3)
    assert (result.total.odf_districts, result.total.districts) == (1, 2)


def test_the_retired_village_counted_before_its_retirement(history):
    result = funnel("district", history.district_b, 2023, 4)

    assert (result.total.villages, result.total.certified_villages) == (4, 2)  # 05010101 and the retired 05010102
    assert [(unit.code, counts.odf_communes) for unit, counts in result.rows] == [("050101", 1), ("050102", 0)]
    assert (result.total.districts, result.total.odf_districts) == (1, 0)


def test_the_national_funnel_by_province_counts_re_verifications_apart(history):
    result = funnel("national", None, 2024, 2)

    by_code = {unit.code: counts for unit, counts in result.rows}
    assert (by_code["25"].declared, by_code["25"].certified, by_code["25"].reverified) == (1, 1, 1)
    assert (by_code["25"].certified_villages, by_code["25"].reverification_overdue) == (2, 0)
    assert (result.total.declared, result.total.verified, result.total.certified, result.total.slipped) == (3, 2, 2, 1)
    assert (result.total.odf_districts, result.total.districts) == (1, 3)


def test_a_district_funnel_by_commune(history):
    result = funnel("district", history.district_a, 2024, 2)

    assert [(unit.code, counts.certified_villages, counts.odf_communes) for unit, counts in result.rows] == [
        ("050801", 2, 1),
        ("050802", 1, 0),
    ]
    assert (result.total.districts, result.total.odf_districts, result.total.slipped) == (1, 0, 1)


@pytest.mark.parametrize("level", ["district", "province", "national"])
def test_the_funnel_costs_a_fixed_number_of_queries(history, level, django_assert_max_num_queries):
    unit = {"district": history.district_a, "province": history.province_p, "national": None}[level]
    with django_assert_max_num_queries(12):
        funnel(level, unit, 2024, 2)


def test_what_became_odf_in_the_quarter(history):
    result = funnel("province", history.province_p, 2024, 2, newly=True)

    # 05080102 certified in Q2 makes commune 050801 ODF; B's communes and B were ODF at the end of Q1 already;
    # 05080202, declared again, is not certified.
    assert [v.code for v in result.newly.villages] == ["05080102"]
    assert [c.code for c in result.newly.communes] == ["050801"]
    assert result.newly.districts == []
    earlier = funnel("province", history.province_p, 2024, 1, newly=True)
    assert [v.code for v in earlier.newly.villages] == ["05010201", "05010202", "05080101"]
    # 050101 was ODF at the end of 2023 (05010101 and 05010102, retired since, both certified).
    assert [c.code for c in earlier.newly.communes] == ["050102"]
    assert [d.code for d in earlier.newly.districts] == ["0501"]


def test_what_became_odf_costs_a_fixed_number_of_queries(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(21):
        funnel("national", None, 2024, 1, newly=True)


def test_the_national_funnel_by_district_groups_back_into_the_one_by_province(history):
    by_district = funnel("national", None, 2024, 2, by="district")
    assert [unit.code for unit, _counts in by_district.rows] == ["0501", "0508", "2501"]
    assert by_district.rows[1][1].reverification_overdue == 1 and by_district.rows[1][1].districts == 1

    grouped = by_province(by_district)
    direct = funnel("national", None, 2024, 2)
    assert [(unit.code, vars(counts)) for unit, counts in grouped.rows] == [
        (unit.code, vars(counts)) for unit, counts in direct.rows
    ]
