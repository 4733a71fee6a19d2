"""bench_import runs end to end on a small world: the spreadsheet drawn, filled with valid figures and imported."""

import io

from django.core.management import call_command

from reports.models import ReportEvent, VillageQuarter, WorkflowAction
from tests.factories import DistrictReportFactory, ReportingPeriodFactory


def test_bench_import_fills_and_imports_the_largest_districts_spreadsheet(world):
    q2 = ReportingPeriodFactory(year=2019, quarter=2, is_open=False)
    DistrictReportFactory(district=world.district_a, period=q2, filled=True, approved=True)
    out = io.StringIO()
    call_command("bench_import", "--district", "0508", stdout=out)
    assert "check and import of 4 villages" in out.getvalue() and "MISSED" not in out.getvalue()
    assert VillageQuarter.objects.filter(report__period__year=2019, report__period__quarter=3).count() == 4
    assert ReportEvent.objects.filter(action=WorkflowAction.IMPORTED).count() == 1
