"""What the report page shows: completeness (what is still missing) and progress against the plan.

A handful of queries per report, whatever the number of villages: rows are fetched once and
summed in Python (a district has a few hundred villages at most).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from reports import indicators
from reports.entry import validation
from reports.entry.writes import previous_village_values
from reports.models import CommuneQuarter, DistrictPlanTarget, DistrictReport, OdfStatus, VillageQuarter


@dataclass
class CommuneProgress:
    commune: object
    villages: int = 0
    complete: int = 0
    missing_rows: int = 0
    unexplained_warnings: int = 0
    warnings: int = 0
    errors: int = 0
    activities_entered: bool = False
    open_comments: int = 0  # the reviewer's open comments on the commune or its villages (count_open_comments)

    @property
    def is_complete(self):
        return self.complete == self.villages and self.activities_entered


@dataclass
class ReportSummary:
    communes: list = field(default_factory=list)
    warning_rows: list = field(default_factory=list)  # (village row, [PlausibilityWarning]) for the reviewer
    district_missing: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    coverage: float | None = None
    basic: float | None = None
    open_defecation: float | None = None
    idpoor_coverage: float | None = None
    odf_verified: int = 0
    odf_declared: int = 0
    triggering_ytd: int = 0
    spent_ytd: float | None = None
    received_ytd: float | None = None
    utilisation_ytd: float | None = None
    target: object = None
    has_target: bool = False

    @property
    def missing_count(self):
        return (
            len(self.district_missing)
            + sum(not c.is_complete for c in self.communes)
            + sum(c.unexplained_warnings + c.errors for c in self.communes)
        )

    @property
    def coverage_progress(self):
        if not self.target or self.target.coverage_pct is None or self.coverage is None:
            return None
        return indicators.progress_pct(achieved=self.coverage, target=self.target.coverage_pct)


def summarise(report):
    """What is missing from `report` and its headline figures, with progress against the year's plan."""
    summary = ReportSummary()
    summary.communes, totals = _communes_and_totals(report, summary)
    summary.district_missing = [
        validation.MISSING_DISTRICT_SECTIONS[key] for key in validation.district_section_missing(report)
    ]
    _add_rates(summary, totals)
    _add_year_to_date(summary, report)
    summary.target = DistrictPlanTarget.objects.filter(district=report.district, year=report.period.year).first()
    return summary


def count_open_comments(communes, comments):
    """Set each commune's count of the report's open review `comments` (report.open_review_comments(), which the
    report page fetches anyway): those on the commune's activities or on one of its villages (a village's code
    starts with its commune's)."""
    targets = [comment.target for comment in comments if comment.target]
    for progress in communes:
        code = progress.commune.code
        progress.open_comments = sum(t.startswith((f"commune:{code}:", f"village:{code}")) for t in targets)


def _communes_and_totals(report, summary):
    """([CommuneProgress] of the communes existing in the quarter, {count field: district total}); the
    villages with plausibility warnings go to summary.warning_rows and the ODF counts to the summary."""
    first_day = report.period.bounds[0]
    # Villages retired before the quarter began are not on the commune page, so not expected either.
    communes = list(
        report.district.communes.active_on(first_day)
        .order_by("code")
        .annotate(
            village_count=Count(
                "villages", filter=Q(villages__retired_on__isnull=True) | Q(villages__retired_on__gt=first_day)
            )
        )
    )
    rows = list(report.village_quarters.select_related("village"))
    previous = previous_village_values(report, [row.village_id for row in rows])
    progress = {c.id: CommuneProgress(commune=c, villages=c.village_count) for c in communes}
    totals = {f: 0 for f in VillageQuarter.COUNT_FIELDS}
    for row in rows:
        values = {f: getattr(row, f) for f in VillageQuarter.COUNT_FIELDS + ["odf_status"]}
        before = previous.get(row.village_id)
        warnings = validation.village_warnings(
            values, {f: getattr(before, f) for f in VillageQuarter.COUNT_FIELDS} if before else None
        )
        item = progress.get(row.village.commune_id)
        if item is not None:
            _tally_village(item, row, values, warnings)
            if warnings:
                summary.warning_rows.append((row, warnings))
        for f in VillageQuarter.COUNT_FIELDS:
            totals[f] += values[f] or 0
        summary.odf_verified += row.odf_status == OdfStatus.VERIFIED
        summary.odf_declared += row.odf_status == OdfStatus.DECLARED
    for cq in report.commune_quarters.all():
        if cq.commune_id in progress:
            progress[cq.commune_id].activities_entered = all(
                getattr(cq, f) is not None for f in CommuneQuarter.ACTIVITY_FIELDS
            )
    return list(progress.values()), totals


def _tally_village(item, row, values, warnings):
    if validation.village_errors(values):
        item.errors += 1
    if validation.village_missing(values):
        item.missing_rows += 1
    else:
        item.complete += 1
    item.warnings += len(warnings)
    if warnings and not row.explanation.strip():
        item.unexplained_warnings += 1


def _add_rates(summary, totals):
    summary.totals = totals
    total = totals["households_total"]
    summary.coverage = indicators.sanitation_coverage(
        improved_own=totals["hh_improved_own"], improved_shared=totals["hh_improved_shared"], total=total
    )
    summary.basic = indicators.basic_sanitation(improved_own=totals["hh_improved_own"], total=total)
    summary.open_defecation = indicators.open_defecation(open_defecation=totals["hh_open_defecation"], total=total)
    summary.idpoor_coverage = indicators.idpoor_coverage(
        idpoor_improved=totals["idpoor_improved"], idpoor_households=totals["idpoor_households"]
    )


def _add_year_to_date(summary, report):
    """Triggering events and the budget spent, received and used from the year's first quarter to this one."""
    period = report.period
    year_reports = DistrictReport.objects.filter(
        district=report.district, period__year=period.year, period__quarter__lte=period.quarter
    )
    summary.triggering_ytd = (
        CommuneQuarter.objects.filter(report__in=year_reports).aggregate(n=Sum("triggering_events"))["n"] or 0
    )
    sums = year_reports.aggregate(received=Sum("ft_received"), **{f: Sum(f) for f in DistrictReport.SPENT_FIELDS})
    spent = [sums[f] for f in DistrictReport.SPENT_FIELDS if sums[f] is not None]
    summary.spent_ytd = float(sum(spent)) if spent else None
    summary.received_ytd = float(sums["received"]) if sums["received"] is not None else None
    summary.utilisation_ytd = indicators.budget_utilisation(spent=summary.spent_ytd, received=summary.received_ytd)
