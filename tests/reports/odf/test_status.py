"""ODF computed, never typed (reports/odf/status.py): villages, communes and districts, retired villages and their
successors, slippage, and re-verification due dates."""

import datetime

import pytest
from django.utils import translation

from districts.models import Village
from reports.odf import status, workflow
from reports.odf.models import OdfSettings, OdfSlippage
from reports.review import workflow as review
from tests.factories import DistrictReportFactory, VillageFactory
from tests.reports.odf.conftest import TODAY, backdate


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def certify_all(walk, villages):
    return [walk.certified(v) for v in villages]


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert status.add_months(datetime.date(2024, 3, 15), 12) == datetime.date(2025, 3, 15)
    assert status.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert status.add_months(datetime.date(2024, 11, 30), 3) == datetime.date(2025, 2, 28)


def test_reverification_is_due_the_mrds_period_after_certification(db):
    assert status.reverification_due_on(datetime.date(2024, 6, 1)) == datetime.date(2025, 6, 1)  # default 12
    settings = OdfSettings.current()
    settings.reverification_months = 6
    settings.save()
    assert status.reverification_due_on(datetime.date(2024, 6, 1)) == datetime.date(2024, 12, 1)


def test_a_commune_is_odf_when_every_active_village_is_certified(world, walk):
    first, second = world.commune_a1.villages.order_by("code")
    walk.certified(first)
    assert not status.commune_is_odf(world.commune_a1)

    walk.certified(second)
    assert status.commune_is_odf(world.commune_a1)
    assert not status.district_is_odf(world.district_a)  # commune A2 is not


def test_a_retired_village_no_longer_counts_for_its_commune(world, walk):
    first, second = world.commune_a1.villages.order_by("code")
    walk.certified(first)
    Village.objects.filter(pk=second.pk).update(retired_on=datetime.date(2023, 1, 1))

    assert status.commune_is_odf(world.commune_a1)
    assert not status.commune_is_odf(world.commune_a1, on=datetime.date(2022, 12, 31))  # it counted then


def test_a_successor_inherits_the_certification_of_the_retired_villages_it_replaces(world, walk):
    first, second = world.commune_a1.villages.order_by("code")
    certify_all(walk, [first, second])
    successor = VillageFactory(commune=world.commune_a1, code="05080103")
    Village.objects.filter(pk=second.pk).update(retired_on=datetime.date(2024, 1, 1))
    second.successors.add(successor)

    assert status.village_certification(successor).inherited
    assert status.commune_is_odf(world.commune_a1)


def test_many_villages_are_answered_as_a_few_are(world, walk, monkeypatch):
    """Above FEW_VILLAGES the records of every village are read (no long IN list): the answer is the same, and holds
    only the villages asked about, successors and slippage included."""
    first, second = world.commune_a1.villages.order_by("code")
    others = list(world.commune_a2.villages.all())
    certify_all(walk, [first, second, *others])
    successor = VillageFactory(commune=world.commune_a1, code="05080103")
    Village.objects.filter(pk=second.pk).update(retired_on=datetime.date(2024, 1, 1))
    second.successors.add(successor)
    OdfSlippage.objects.create(village=first, slipped_on=TODAY(), reason="x", source=OdfSlippage.Source.REVIEWER)
    asked = [first.pk, second.pk, successor.pk]

    few = status.certified_villages(asked)
    monkeypatch.setattr(status, "FEW_VILLAGES", 1)
    many = status.certified_villages(asked)

    assert many == few
    assert set(few) == {second.pk, successor.pk} and few[successor.pk].inherited


def test_a_successor_of_an_uncertified_village_keeps_its_commune_from_odf(world, walk):
    first, second = world.commune_a1.villages.order_by("code")
    walk.certified(first)
    successor = VillageFactory(commune=world.commune_a1, code="05080103")
    Village.objects.filter(pk=second.pk).update(retired_on=datetime.date(2024, 1, 1))
    second.successors.add(successor)

    assert status.village_certification(successor) is None
    assert not status.commune_is_odf(world.commune_a1)


def test_a_district_is_odf_when_every_active_commune_is(world, walk, reviewer_p):
    certify_all(walk, Village.objects.filter(commune__district=world.district_a))
    assert status.district_is_odf(world.district_a)

    workflow.record_slippage(
        village=Village.objects.get(code="05080201"), by=reviewer_p, slipped_on=TODAY(), reason="OD seen"
    )
    assert not status.commune_is_odf(world.commune_a2)
    assert not status.district_is_odf(world.district_a)


def test_odf_districts_answers_for_many_districts_as_district_is_odf_for_one(world, walk):
    districts = [world.district_a, world.district_b, world.district_c]
    assert status.odf_districts(districts) == set()
    certify_all(walk, Village.objects.filter(commune__district=world.district_a))
    assert status.odf_districts(districts) == {world.district_a.pk}
    assert {d.pk for d in districts if status.district_is_odf(d)} == {world.district_a.pk}


def test_a_district_without_active_communes_is_not_odf(world):
    world.district_a.communes.update(retired_on=datetime.date(2020, 1, 1))
    assert not status.district_is_odf(world.district_a)


def test_reverifications_due_within_a_month_or_overdue_without_one_under_way(world, walk, reviewer_p, dso_b):
    first, second = world.commune_a1.villages.order_by("code")
    old, recent = certify_all(walk, [first, second])
    backdate(old, TODAY() - datetime.timedelta(days=400))

    due = status.reverifications_due([first, second])
    assert [(r.village, r.overdue) for r in due] == [(first, True)]
    assert due[0].due_on == status.add_months(TODAY() - datetime.timedelta(days=400), 12)

    workflow.start_reverification(village=first, by=reviewer_p, members=[dso_b], due_on=TODAY())
    assert status.reverifications_due([first, second]) == []


# --- Slippage from a quarterly report ----------------------------------------------------------------------


@pytest.fixture
def certified_before_q3(village, walk):
    claim = walk.certified(village)
    backdate(claim, datetime.date(2019, 6, 1))
    return claim


def test_an_approved_report_showing_open_defecation_in_a_certified_village_records_slippage(
    world, q3, village, certified_before_q3, dso_a, reviewer_p2
):
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a)
    review.submit_report(report=report, by=dso_a)
    assert not OdfSlippage.objects.exists()  # submitted figures may still change

    review.approve_report(report=report, by=reviewer_p2)

    slippage = OdfSlippage.objects.get()
    assert slippage.village == village and slippage.source == OdfSlippage.Source.QUARTERLY_REPORT
    assert slippage.slipped_on == datetime.date(2019, 9, 30) and slippage.village_quarter.report == report
    assert status.village_certification(village) is None


def test_a_quarterly_slippage_is_recorded_once_and_only_for_open_defecation_after_certification(
    world, q2, q3, village, certified_before_q3, dso_a
):
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, approved=True, by=dso_a)
    row = report.village_quarters.get(village=village)
    assert workflow.slippage_from_quarterly_report(village_quarter=row) is not None
    assert workflow.slippage_from_quarterly_report(village_quarter=row) is None

    before = DistrictReportFactory(district=world.district_a, period=q2, complete=True, approved=True, by=dso_a)
    assert workflow.slippage_from_quarterly_report(village_quarter=before.village_quarters.get(village=village)) is None

    other = report.village_quarters.get(village__code="05080102")  # never certified
    assert workflow.slippage_from_quarterly_report(village_quarter=other) is None
    assert OdfSlippage.objects.count() == 1


def test_no_slippage_without_households_practising_open_defecation(world, q3, village, certified_before_q3, dso_a):
    report = DistrictReportFactory(
        district=world.district_a, period=q3, complete=True, approved=True, by=dso_a, villages__unimproved=50
    )
    row = report.village_quarters.get(village=village)
    assert row.hh_open_defecation == 0
    assert workflow.slippage_from_quarterly_report(village_quarter=row) is None
