"""When rollups are rebuilt: a report that changes state marks its district-quarter stale in the
same transaction, and its rebuild is queued once that transaction commits.

If the transaction rolls back, nothing is marked and nothing is queued. If the broker is unreachable
at commit, the change still stands: the failure is logged and the periodic repair
(build.repair_stale, every 15 minutes) rebuilds the marked rollups later.
"""

import datetime

from django.utils import timezone

from districts.models import Village
from drssd_portal.dispatch import enqueue_on_commit
from reports import quarters
from reports.models import DistrictReport, ReportingPeriod
from reports.rollups import tasks
from reports.rollups.models import StaleRollup


def mark_stale(*, report: DistrictReport) -> None:
    """Mark the report's district-quarter stale, in the caller's transaction (an upsert: one row per pair)."""
    _mark_stale(report.district_id, report.period_id)


def _mark_stale(district_id: int, period_id: int) -> None:
    StaleRollup.objects.bulk_create(
        [StaleRollup(district_id=district_id, period_id=period_id, marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["district", "period"],
        update_fields=["marked_at"],
    )


def schedule_rebuild(*, report: DistrictReport) -> None:
    """Mark the report's rollups stale now and queue their rebuild once the caller's transaction commits."""
    _schedule(report.district_id, report.period_id)


def _schedule(district_id: int, period_id: int) -> None:
    _mark_stale(district_id, period_id)
    enqueue_on_commit(
        tasks.rebuild_district_quarter,
        district_id,
        period_id,
        catch_up="the periodic repair will rebuild it from its stale mark",
    )


def rebuild_after_state_change(sender: type[DistrictReport], *, report: DistrictReport, **kwargs: object) -> None:
    """Receiver of reports.signals.report_state_changed (connected in ReportsConfig.ready)."""
    schedule_rebuild(report=report)


def rebuild_after_odf_change(sender: object, *, village: Village, on: datetime.date, **kwargs: object) -> None:
    """Receiver of reports.signals.odf_status_changed (connected in ReportsConfig.ready): the village's
    district-quarter in which the change takes effect, if that quarter exists."""
    year, quarter = quarters.quarter_of(on)
    period_id = ReportingPeriod.objects.filter(year=year, quarter=quarter).values_list("pk", flat=True).first()
    if period_id is not None:
        _schedule(village.commune.district_id, period_id)
