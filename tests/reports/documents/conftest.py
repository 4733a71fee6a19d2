"""The known dataset the PDF tests read.

2019 Q2 (closed) and Q3 (open) in the `world` fixture's units:
- district A (Thpong, ថ្ពង; province P Kampong Speu, កំពង់ស្ពឺ): Q2 approved at 40% coverage; Q3 submitted by
  dso_a and approved by approver_p ("Sokha Chea") at 50% coverage, 400 households, one village verified ODF,
  a training of 37 people (15 women), $1,000 received and $650 spent;
- district B (Basedth, បរសេដ្ឋ; province P): Q3 submitted, not approved (counted only in provisional data);
- district C (Dambae, តំបែរ; province Q Tbong Khmum, ត្បូងឃ្មុំ): Q3 approved at 50% coverage.
Rollups are rebuilt for both quarters.
"""

from types import SimpleNamespace

import pytest

from districts.models import Role
from reports.models import OdfStatus, VillageQuarter
from reports.review import workflow
from reports.rollups import build as rollup
from tests.factories import AssignmentFactory, DistrictReportFactory, UserFactory

A_Q3_TRAINING = dict(
    topic="clts",
    topic_detail="CLTS facilitation",
    participants_provincial=2,
    participants_district=5,
    participants_commune=10,
    participants_village=20,
    women=15,
)


@pytest.fixture
def approver_p(world):
    """A PDRD reviewer of province P with a full name, to appear as the approver."""
    user = UserFactory(username="sokha", first_name="Sokha", last_name="Chea")
    AssignmentFactory(user=user, role=Role.PDRD_REVIEWER, province=world.province_p)
    return user


@pytest.fixture
def pdf_data(world, q2, q3, dso_a, dso_b, approver_p, settings, tmp_path):
    """The dataset of the module docstring; stored PDFs go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    reviewer_q = UserFactory(username="reviewer_q_pdf")
    AssignmentFactory(user=reviewer_q, role=Role.PDRD_REVIEWER, province=world.province_q)
    dso_c = UserFactory(username="dso_c_pdf")
    AssignmentFactory(user=dso_c, role=Role.DSO, district=world.district_c)

    DistrictReportFactory(district=world.district_a, period=q2, filled=True, approved=True, villages__own=30)
    a = DistrictReportFactory(district=world.district_a, period=q3, complete=True, by=dso_a, trainings=[A_Q3_TRAINING])
    VillageQuarter.objects.filter(report=a, village__code="05080101").update(
        odf_status=OdfStatus.VERIFIED,
        odf_status_date="2019-08-20",
        explanation="Verified in August; the last households are building their latrines.",
    )
    workflow.submit_report(report=a, by=dso_a)
    workflow.approve_report(report=a, by=approver_p)
    b = DistrictReportFactory(district=world.district_b, period=q3, complete=True, by=dso_b)
    workflow.submit_report(report=b, by=dso_b)
    c = DistrictReportFactory(district=world.district_c, period=q3, complete=True, by=dso_c)
    workflow.submit_report(report=c, by=dso_c)
    workflow.approve_report(report=c, by=reviewer_q)
    for period in (q2, q3):
        rollup.rebuild_period(period.pk)
    for report in (a, b, c):
        report.refresh_from_db()
    return SimpleNamespace(report_a=a, report_b=b, report_c=c, q2=q2, q3=q3, world=world, reviewer_q=reviewer_q)
