"""Completeness and timeliness of reporting, with DHIS2's reporting-rate definitions.

For a quarter and a set of expected reporting units:
  reporting rate          = reports submitted / reports expected
  reporting rate on time  = reports submitted by the deadline / reports expected
A report counts as submitted while it is submitted or approved (a returned or reopened report is
back with the district, as DHIS2 stops counting a data set marked incomplete again). On time means
its first submission was on or before the deadline.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from districts.models import Commune, District
from reports import indicators
from reports.models import CommuneQuarter, DistrictReport, ReportStatus, VillageQuarter, submitted_on_time


@dataclass
class CompletenessRow:
    unit: object
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    approved: int = 0
    status: str = ""  # for a single unit's own report

    @property
    def reporting_rate(self):
        return indicators.ratio_pct(self.submitted, self.expected)

    @property
    def on_time_rate(self):
        return indicators.ratio_pct(self.on_time, self.expected)


def _tally(row, report, deadline):
    row.expected += 1
    if report is None:
        return
    if report.counts_as_reported:
        row.submitted += 1
        row.on_time += submitted_on_time(report.submitted_at, deadline)
    row.approved += report.status == ReportStatus.APPROVED


def districts_of(period, provinces):
    """One row per district (grouped by province in the template): its own report's state. Two queries."""
    first_day = period.bounds[0]
    districts = (
        District.objects.active_on(first_day)
        .filter(province__in=provinces)
        .select_related("province")
        .order_by("province__code", "code")
    )
    reports = {r.district_id: r for r in DistrictReport.objects.filter(period=period, district__in=districts)}
    rows = []
    for district in districts:
        row = CompletenessRow(unit=district)
        report = reports.get(district.pk)
        _tally(row, report, period.deadline)
        row.status = report.get_status_display() if report else ""
        rows.append(row)
    return rows


def provinces_of(district_rows):
    """One row per province, summing the rows of its districts."""
    by_province = {}
    for row in district_rows:
        total = by_province.setdefault(row.unit.province_id, CompletenessRow(unit=row.unit.province))
        for field in ("expected", "submitted", "on_time", "approved"):
            setattr(total, field, getattr(total, field) + getattr(row, field))
    return list(by_province.values())


def total_of(rows):
    total = CompletenessRow(unit=None)
    for row in rows:
        for field in ("expected", "submitted", "on_time", "approved"):
            setattr(total, field, getattr(total, field) + getattr(row, field))
    return total


def communes_of(period, district):
    """One row per commune of a district: complete when its activities and every village are entered.

    A commune counts as submitted (and on time, approved) with its district's report.
    """
    first_day = period.bounds[0]
    report = DistrictReport.objects.filter(period=period, district=district).first()
    communes = (
        Commune.objects.active_on(first_day)
        .filter(district=district)
        .order_by("code")
        .annotate(
            villages_expected=Count(
                "villages", filter=Q(villages__retired_on__isnull=True) | Q(villages__retired_on__gt=first_day)
            )
        )
    )
    filled = {}
    entered = set()
    if report is not None:
        complete = Q(*[Q(**{f"{f}__isnull": False}) for f in VillageQuarter.COUNT_FIELDS]) & ~Q(odf_status="")
        filled = dict(
            VillageQuarter.objects.filter(report=report)
            .filter(complete)
            .values_list("village__commune_id")
            .annotate(n=Count("id"))
        )
        entered = set(
            CommuneQuarter.objects.filter(
                report=report, **{f"{f}__isnull": False for f in CommuneQuarter.ACTIVITY_FIELDS}
            ).values_list("commune_id", flat=True)
        )
    rows = []
    for commune in communes:
        row = CompletenessRow(unit=commune)
        is_complete = commune.pk in entered and filled.get(commune.pk, 0) >= commune.villages_expected
        _tally(row, report if is_complete else None, period.deadline)
        row.status = report.get_status_display() if report else ""
        rows.append(row)
    return rows


def download_rows(context):
    """(header, rows) of the completeness page's detailed table, as the screen shows it: a district's communes
    (with the total), or every district with its province and its report's state. Rates in percent."""
    figures = [_("Expected"), _("Submitted"), _("On time"), _("Approved"), _("Reporting rate"), _("On-time rate")]

    def numbers(row):
        return [row.expected, row.submitted, row.on_time, row.approved, row.reporting_rate, row.on_time_rate]

    if context["district"] is not None:
        rows = [[row.unit.name, *numbers(row)] for row in context["commune_rows"]]
        rows.append([_("Total"), *numbers(context["commune_total"])])
        return [_("Commune"), *figures], rows
    rows = [
        [row.unit.province.name, row.unit.name, row.status or "—", *numbers(row)] for row in context["district_rows"]
    ]
    return [_("Province"), _("District"), _("Status"), *figures], rows
