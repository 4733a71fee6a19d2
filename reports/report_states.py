"""Where the reports of the people who enter data stand, for their home and commune pages: a DSO's reports
returned for correction (with the comments still to answer), and, for each quarter a commune works on, the state
of its district's report, so that a commune focal point knows whether the figures can still change.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from districts.models import Commune
from reports.models import CommuneQuarter, DistrictReport, ReportingPeriod, ReportStatus, ReviewComment


def returned_reports(user):
    """The reports of the user's districts (as DSO) returned for correction, the latest quarter first, each with
    `open_comment_count` (the comments of its last return) and `status_since`. Two queries, one if none."""
    reports = list(
        DistrictReport.objects.editable_by(user)
        .filter(status=ReportStatus.RETURNED)
        .with_status_since()
        .select_related("district", "period")
        .order_by("-period__year", "-period__quarter", "district__code")
    )
    counts = ReviewComment.objects.filter(report__in=reports).open_count_by_report() if reports else {}
    for report in reports:
        report.open_comment_count = counts.get(report.pk, 0)
    return reports


@dataclass
class QuarterToFill:
    """An open quarter of one of a DSO's districts whose report is not yet submitted (or not yet started)."""

    district: object
    period: ReportingPeriod
    report: DistrictReport | None

    @property
    def url(self):
        return reverse("reports:report", args=[self.district.code, self.period.year, self.period.quarter])


def quarters_to_fill(districts):
    """[QuarterToFill] of these districts (a DSO's), the earliest quarter first: every open quarter whose report is
    a draft or not started. Returned reports are listed by returned_reports(). Two queries, none without districts."""
    if not districts:
        return []
    periods = list(ReportingPeriod.objects.open().order_by("year", "quarter"))
    reports = {
        (r.district_id, r.period_id): r
        for r in DistrictReport.objects.filter(district__in=districts, period__in=periods)
    }
    found = []
    for period in periods:
        for district in districts:
            report = reports.get((district.pk, period.pk))
            if report is None or report.status == ReportStatus.DRAFT:
                found.append(QuarterToFill(district, period, report))
    return found


@dataclass
class CommuneQuarterState:
    """A commune's quarter: its district's report (None while not started) and whether the reader may enter
    the commune's figures now."""

    commune: Commune
    period: ReportingPeriod
    report: DistrictReport | None
    can_write: bool

    @property
    def editable(self):
        return self.can_write and self.period.is_open and (self.report is None or self.report.is_editable)

    @property
    def url(self):
        """The commune's page for the quarter (data entry, or read only); None where there is nothing to see."""
        if self.report is None and not self.editable:
            return None
        args = [self.commune.district.code, self.period.year, self.period.quarter, self.commune.code]
        return reverse("reports:commune", args=args)


def commune_quarters(communes, writable_ids):
    """{commune id: [CommuneQuarterState]}: for each commune, the open quarters and those it has figures for, the
    latest first. `writable_ids`: the communes whose figures the reader may enter. The communes' districts must
    be loaded. Three queries whatever the number of communes; none without communes."""
    if not communes:
        return {}
    open_periods = list(ReportingPeriod.objects.open())
    entered = set(CommuneQuarter.objects.filter(commune__in=communes).values_list("commune_id", "report_id"))
    reports = list(
        DistrictReport.objects.filter(district__in={c.district_id for c in communes})
        .filter(Q(period__in=open_periods) | Q(pk__in={report_id for _commune, report_id in entered}))
        .with_status_since()
        .select_related("period")
    )
    by_quarter = {(r.district_id, r.period_id): r for r in reports}
    states = {}
    for commune in communes:
        periods = {p.pk: p for p in open_periods}
        periods.update((r.period_id, r.period) for r in reports if (commune.pk, r.pk) in entered)
        latest_first = sorted(periods.values(), key=lambda p: (p.year, p.quarter), reverse=True)
        states[commune.pk] = [
            CommuneQuarterState(commune, p, by_quarter.get((commune.district_id, p.pk)), commune.pk in writable_ids)
            for p in latest_first
        ]
    return states
