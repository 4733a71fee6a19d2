"""What sets the ODF stage in motion from the review stage, through the ground's signal (reports/signals.py):
an approved district report whose figures show open defecation in a certified village records its slippage."""

from reports.models import DistrictReport, ReportStatus
from reports.odf import workflow
from reports.odf.models import OdfClaim


def slippage_after_approval(sender: type[DistrictReport], *, report: DistrictReport, **kwargs: object) -> None:
    """Receiver of report_state_changed (connected in ReportsConfig.ready), inside the approval's transaction.
    Only approved figures count: a draft or submitted report may still change."""
    if report.status != ReportStatus.APPROVED:
        return
    rows = report.village_quarters.filter(hh_open_defecation__gt=0, village__odf_claims__state=OdfClaim.State.CERTIFIED)
    for row in rows.distinct().select_related("village__commune__district", "report__period"):
        workflow.slippage_from_quarterly_report(village_quarter=row)
