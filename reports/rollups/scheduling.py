"""When rollups are rebuilt: a report that changes state marks its district-quarter stale in the
same transaction, and its rebuild is queued once that transaction commits.

If the transaction rolls back, nothing is marked and nothing is queued. If the broker is unreachable
at commit, the change still stands: the failure is logged and the periodic repair
(build.repair_stale, every 15 minutes) rebuilds the marked rollups later.
"""

from django.utils import timezone

from drssd_portal.dispatch import enqueue_on_commit
from reports.models import DistrictReport
from reports.rollups import tasks
from reports.rollups.models import StaleRollup


def mark_stale(*, report: DistrictReport) -> None:
    """Mark the report's district-quarter stale, in the caller's transaction (an upsert: one row per pair)."""
    StaleRollup.objects.bulk_create(
        [StaleRollup(district_id=report.district_id, period_id=report.period_id, marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["district", "period"],
        update_fields=["marked_at"],
    )


def schedule_rebuild(*, report: DistrictReport) -> None:
    """Mark the report's rollups stale now and queue their rebuild once the caller's transaction commits."""
    mark_stale(report=report)
    enqueue_on_commit(
        tasks.rebuild_district_quarter,
        report.district_id,
        report.period_id,
        catch_up="the periodic repair will rebuild it from its stale mark",
    )


def rebuild_after_state_change(sender: type[DistrictReport], *, report: DistrictReport, **kwargs: object) -> None:
    """Receiver of reports.signals.report_state_changed (connected in ReportsConfig.ready)."""
    schedule_rebuild(report=report)
