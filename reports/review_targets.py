"""Naming the figure a review comment points at, and finding the comments for a page.

A target is "" (the whole report), "district:<field>", "commune:<code>:<field>" or
"village:<code>:<field>". Pages ask for the comments of the latest returned round.
"""
from .models import CommuneQuarter, DistrictReport, ReportStatus, ReviewComment, VillageQuarter, WorkflowAction

DISTRICT_FIELDS = ["wg_meeting_held", "wg_meeting_date", "wg_meeting_attendance", "wg_meeting_attendance_women",
                   "ft_annual_allocation", "ft_carried_over", "ft_received", *DistrictReport.SPENT_FIELDS,
                   "active_suppliers", "active_masons", "achievements", "challenges", "support_needed",
                   "next_quarter_plan"]
VILLAGE_FIELDS = VillageQuarter.COUNT_FIELDS + ["odf_status", "odf_status_date"]


def field_label(model, name):
    return str(model._meta.get_field(name).verbose_name)


def target_choices():
    """Grouped choices for the figure a comment is about (the unit is chosen separately)."""
    return [
        ("", [("", "—")]),
        (DistrictReport._meta.verbose_name, [(f"district:{f}", field_label(DistrictReport, f))
                                              for f in DISTRICT_FIELDS]),
        (CommuneQuarter._meta.verbose_name, [(f"commune:{f}", field_label(CommuneQuarter, f))
                                              for f in CommuneQuarter.ACTIVITY_FIELDS]),
        (VillageQuarter._meta.verbose_name, [(f"village:{f}", field_label(VillageQuarter, f))
                                              for f in VILLAGE_FIELDS]),
    ]


def latest_comments(report):
    """Comments of the latest return, while they matter: the report is back with the district, or was
    resubmitted after them. Once the report is approved (and even if reopened later) they are history."""
    if report.status not in (ReportStatus.RETURNED, ReportStatus.SUBMITTED):
        return []
    last_return = report.events.filter(action=WorkflowAction.RETURNED).order_by("-at").first()
    if last_return is None or report.events.filter(action=WorkflowAction.APPROVED, at__gt=last_return.at).exists():
        return []
    return list(ReviewComment.objects.filter(report=report, round=last_return.round).select_related("author"))


def comments_by_target(comments):
    by_target = {}
    for comment in comments:
        by_target.setdefault(comment.target, []).append(comment)
    return by_target
