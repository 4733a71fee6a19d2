"""Building reports the workflow tests start from: a district report that is complete and can be submitted."""

import datetime
from decimal import Decimal

import pytest

from districts.models import Role
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    OdfStatus,
    ReportEvent,
    ReportStatus,
    ReviewComment,
    VillageQuarter,
)
from tests.factories import AssignmentFactory, UserFactory

ACTIVITIES = {
    "triggering_events": 2,
    "triggering_women": 30,
    "triggering_men": 25,
    "bcc_sessions": 3,
    "bcc_women": 40,
    "bcc_men": 20,
    "cwg_meetings": 1,
    "commune_budget": Decimal("150.00"),
}

DISTRICT_SECTION = {
    "wg_meeting_held": True,
    "wg_meeting_attendance": 18,
    "wg_meeting_attendance_women": 7,
    "ft_annual_allocation": Decimal("4000.00"),
    "ft_carried_over": Decimal("250.00"),
    "ft_received": Decimal("1000.00"),
    "spent_meetings": Decimal("200.00"),
    "spent_triggering": Decimal("300.00"),
    "spent_training": Decimal("100.00"),
    "spent_monitoring": Decimal("50.00"),
    "spent_odf_verification": Decimal("0.00"),
    "spent_other": Decimal("0.00"),
    "active_suppliers": 4,
    "active_masons": 9,
    "achievements": "Three villages triggered.",
    "challenges": "Flooding in September.",
    "next_quarter_plan": "Verify ODF in the triggered villages.",
}


def village_values(households=100):
    """Consistent figures: the four household groups add up to the total; 50% coverage; no warning."""
    own, shared, unimproved = households * 4 // 10, households // 10, households * 3 // 10
    return {
        "households_total": households,
        "hh_improved_own": own,
        "hh_improved_shared": shared,
        "hh_unimproved": unimproved,
        "hh_open_defecation": households - own - shared - unimproved,
        "idpoor_households": households // 4,
        "idpoor_improved": households // 10,
        "latrines_built": 3,
        "hh_handwashing": households // 2,
        "odf_status": OdfStatus.TRIGGERED,
        "odf_status_date": None,
        "explanation": "",
    }


def _save(obj, by):
    obj._history_user = by
    obj.save()
    return obj


def complete_report(district, period, by=None, *, households=100):
    """A draft DistrictReport of `district` for `period` that `workflow.submission_problems` has nothing against.

    Every village of every commune active in the quarter gets consistent figures (households as last
    quarter's when that row exists, so no household-jump warning), every commune all its activities,
    and the district section its meeting, budget within what was received, suppliers and narrative.
    Saved through the models (so simple-history records `by`); returns the report, still a draft.
    """
    first_day = period.bounds[0]
    report = DistrictReport.objects.filter(district=district, period=period).first() or DistrictReport(
        district=district, period=period, status=ReportStatus.DRAFT
    )
    for field, value in DISTRICT_SECTION.items():
        setattr(report, field, value)
    report.wg_meeting_date = first_day + datetime.timedelta(days=44)
    _save(report, by)
    last_quarter = period.previous()
    previous = (
        {row.village_id: row for row in VillageQuarter.objects.filter(report__period=last_quarter)}
        if last_quarter
        else {}
    )
    for commune in district.communes.active_on(first_day).order_by("code"):
        record = CommuneQuarter.objects.filter(report=report, commune=commune).first() or CommuneQuarter(
            report=report, commune=commune
        )
        for field, value in ACTIVITIES.items():
            setattr(record, field, value)
        _save(record, by)
        for village in commune.villages.active_on(first_day).order_by("code"):
            before = previous.get(village.pk)
            values = village_values(before.households_total if before and before.households_total else households)
            row = VillageQuarter.objects.filter(report=report, village=village).first() or VillageQuarter(
                report=report, village=village
            )
            for field, value in values.items():
                setattr(row, field, value)
            _save(row, by)
    return report


# --- Fixtures the workflow test modules import (`from .builders import reviewer_q, report  # noqa: F401`) ----


@pytest.fixture
def reviewer_q(world):
    """A PDRD reviewer of province Q: district A's report is out of their reach."""
    user = UserFactory(username="reviewer_q")
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_q)
    return user


@pytest.fixture
def report(world, q3, dso_a):
    """District A's complete 2019 Q3 report, still a draft, filled in by dso_a."""
    return complete_report(world.district_a, q3, by=dso_a)


def snapshot(report):
    """What a refused transition must leave exactly as it was."""
    report = DistrictReport.objects.get(pk=report.pk)
    return {
        "status": report.status,
        "submitted_at": report.submitted_at,
        "submitted_by": report.submitted_by_id,
        "approved_at": report.approved_at,
        "approved_by": report.approved_by_id,
        "events": list(ReportEvent.objects.filter(report=report).values_list("id", "action", "round")),
        "comments": list(ReviewComment.objects.filter(report=report).values_list("id", "round", "target", "text")),
    }
