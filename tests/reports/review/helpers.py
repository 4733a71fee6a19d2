"""Transitions and checks shared by the workflow tests."""

from reports.models import DistrictReport, ReportEvent, ReviewComment
from reports.review import workflow

VILLAGE = "05080101"
COMMENTS = [
    (
        f"village:{VILLAGE}:households_total",
        f"{VILLAGE} village — households in total",
        "120 households last quarter, 100 now?",
    ),
    ("", "", "Please attach the working-group minutes."),
    ("district:ft_received", "received this quarter", "   "),
]  # blank: dropped


def submitted(report, dso):
    workflow.submit_report(report=report, by=dso)
    report.refresh_from_db()
    return report


def approved(report, dso, reviewer):
    submitted(report, dso)
    workflow.approve_report(report=report, by=reviewer)
    report.refresh_from_db()
    return report


def returned(report, dso, reviewer):
    submitted(report, dso)
    workflow.return_report(report=report, by=reviewer, comments=COMMENTS)
    report.refresh_from_db()
    return report


def only_new_event(report, before_ids):
    new = list(ReportEvent.objects.filter(report=report).exclude(id__in=before_ids))
    assert len(new) == 1, new
    return new[0]


def event_ids(report):
    return list(ReportEvent.objects.filter(report=report).values_list("id", flat=True))


def messages_of(error):
    return " ".join(error.value.messages)


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
