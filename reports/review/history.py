"""A report's history: every state transition and every changed figure, who, when, old and new value.

Figures are recorded by django-simple-history on every save (and by bulk_*_with_history on the
commune pages), so a number cannot change without a history row.
"""

from dataclasses import dataclass

from reports.models import CommuneQuarter, DistrictReport, Training, VillageQuarter

MAX_CHANGES = 1000
# Bookkeeping, and the state fields whose changes the workflow events already show.
SKIP = {
    "version",
    "updated_at",
    "updated_by",
    "created_at",
    "id",
    "report",
    "village",
    "commune",
    "is_demo",
    "status",
    "submitted_at",
    "submitted_by",
    "approved_at",
    "approved_by",
}


@dataclass
class Change:
    at: object
    by: object
    where: str
    field: str
    old: object
    new: object


def _history_changes(records, where_of):
    """Field-level changes from simple-history records of several objects (each object's records in order)."""
    changes, previous = [], {}
    for record in records:
        key = record.id
        before = previous.get(key)
        fields = [f for f in record.instance_type._meta.fields if f.name not in SKIP]
        for f in fields:
            new = getattr(record, f.attname)
            old = getattr(before, f.attname) if before is not None else None
            if record.history_type == "-":
                new = None  # a deleted row: its last values go, so they are listed as removed
            if (before is None and new in (None, "")) or old == new:
                continue
            changes.append(
                Change(
                    record.history_date,
                    record.history_user,
                    where_of(record),
                    str(f.verbose_name),
                    "—" if old in (None, "") else old,
                    "—" if new in (None, "") else new,
                )
            )
        previous[key] = record
    return changes


def changes(report):
    """Every recorded change to the report's figures, newest first (at most MAX_CHANGES)."""
    result = _history_changes(
        DistrictReport.history.filter(id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id"),
        lambda r: str(DistrictReport._meta.verbose_name),
    )
    communes = {c.pk: c.name for c in report.district.communes.all()}
    result += _history_changes(
        CommuneQuarter.history.filter(report_id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id"),
        lambda r: communes.get(r.commune_id, ""),
    )
    villages = {
        row.id: str(row.village) for row in VillageQuarter.objects.filter(report=report).select_related("village")
    }
    result += _history_changes(
        VillageQuarter.history.filter(report_id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id"),
        lambda r: villages.get(r.id, ""),
    )
    result += _history_changes(
        Training.history.filter(report_id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id"),
        lambda r: str(Training._meta.verbose_name),
    )
    result.sort(key=lambda change: change.at, reverse=True)
    return result[:MAX_CHANGES]


def comments_by_round(report):
    rounds = {}
    for comment in report.review_comments.select_related("author"):
        rounds.setdefault(comment.round, []).append(comment)
    return sorted(rounds.items())
