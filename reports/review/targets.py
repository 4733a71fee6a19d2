"""Naming the figure a review comment points at (finding a page's comments is DistrictReport.open_review_comments).

A target is "" (the whole report), "district:<field>", "commune:<code>:<field>" or
"village:<code>:<field>".
"""

from reports.models import CommuneQuarter, DistrictReport, VillageQuarter

DISTRICT_FIELDS = [
    "wg_meeting_held",
    "wg_meeting_date",
    "wg_meeting_attendance",
    "wg_meeting_attendance_women",
    "ft_annual_allocation",
    "ft_carried_over",
    "ft_received",
    *DistrictReport.SPENT_FIELDS,
    "active_suppliers",
    "active_masons",
    "achievements",
    "challenges",
    "support_needed",
    "next_quarter_plan",
]
VILLAGE_FIELDS = VillageQuarter.COUNT_FIELDS + ["odf_status", "odf_status_date"]


def field_label(model, name):
    return str(model._meta.get_field(name).verbose_name)


def target_choices():
    """Grouped choices for the figure a comment is about (the unit is chosen separately)."""
    return [
        ("", [("", "—")]),
        (
            DistrictReport._meta.verbose_name,
            [(f"district:{f}", field_label(DistrictReport, f)) for f in DISTRICT_FIELDS],
        ),
        (
            CommuneQuarter._meta.verbose_name,
            [(f"commune:{f}", field_label(CommuneQuarter, f)) for f in CommuneQuarter.ACTIVITY_FIELDS],
        ),
        (VillageQuarter._meta.verbose_name, [(f"village:{f}", field_label(VillageQuarter, f)) for f in VILLAGE_FIELDS]),
    ]
