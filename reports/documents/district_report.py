"""The district quarterly report (the Operational Manual's format) as a PDF.

Read from the report itself, in whatever state it is, and marked on every page unless approved; its
figures are summed by the rollups' own queries (rollups.build.report_rows). Small: rendered in the
request. About a dozen queries whatever the district's size.
"""

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from districts.people import display_name
from reports.dashboards import figures as charts
from reports.dashboards.captions import CAPTIONS, TITLES
from reports.documents import numbering, official_form
from reports.documents.common import (
    DOCUMENT_TITLES,
    TREND_QUARTERS,
    WIDE_CHART,
    Indicator,
    common_context,
    format_date,
    render_with_charts,
    rollup_indicators,
)
from reports.documents.models import PdfKind
from reports.entry.summary import summarise
from reports.models import DistrictPlanTarget, DistrictReport, NationalSettings, OdfStatus, ReportStatus, VillageQuarter
from reports.odf import funnel
from reports.rollups.build import report_rows
from reports.rollups.models import DataState, Rollup, RollupLevel


def district_marking(report):
    """What every page of a report that is not approved says about it (None when approved)."""
    return {
        ReportStatus.DRAFT: _("DRAFT — not submitted, not approved"),
        ReportStatus.RETURNED: _("RETURNED FOR CORRECTION — not approved"),
        ReportStatus.SUBMITTED: _("PROVISIONAL — submitted, not yet approved"),
    }.get(report.status)


def district_document(report, language):
    """(template name, context, {name: (figure, width, height)}) of a district report, built under `language`."""
    with translation.override(language):
        period, district = report.period, report.district
        now, commune_rows = report_rows(report)
        previous = _previous_report(report)
        summary = summarise(report)
        trainings = list(report.trainings.all())
        for training in trainings:
            training.men = max(training.participants - training.women, 0)
        trained_total = sum(t.participants for t in trainings)
        attendance, women = report.wg_meeting_attendance, report.wg_meeting_attendance_women
        odf_changes, odf_by_commune = _odf_villages(report)
        odf_funnel = funnel.funnel("district", district, period.year, period.quarter)
        figures = _district_figures(report, now, language)
        context = common_context(
            PdfKind.DISTRICT,
            DOCUMENT_TITLES[PdfKind.DISTRICT],
            district.name,
            period,
            language,
            marking=district_marking(report),
        )
        context.update(
            report=report,
            district=district,
            province=district.province,
            status_line=_status_line(report),
            previous_period=period.previous(),
            previous_report=previous,
            indicators=_district_indicators(report, now, previous, summary),
            now=now,
            commune_rows=commune_rows,
            odf_by_commune=odf_by_commune,
            odf_changes=odf_changes,
            odf_funnel=odf_funnel,
            trainings=trainings,
            trained_total=trained_total,
            trained_men=max(trained_total - now.trained_women, 0),
            dwg_men=None if attendance is None or women is None else max(attendance - women, 0),
            summary=summary,
            budget_lines=[
                (str(DistrictReport._meta.get_field(f).verbose_name), getattr(report, f))
                for f in DistrictReport.SPENT_FIELDS
            ],
            utilisation=now.budget_utilisation,
            comments=report.open_review_comments() if report.status == ReportStatus.RETURNED else [],
            narrative=[
                (_("Achievements"), report.achievements),
                (_("Challenges"), report.challenges),
                (_("Support needed"), report.support_needed),
                (_("Plan for next quarter"), report.next_quarter_plan),
            ],
            chart_titles={name: TITLES[name] for name in figures},
            chart_captions={name: CAPTIONS[name] for name in figures},
            trend_note=_("Earlier quarters: approved reports. %(period)s: this report, as it stands.")
            % {"period": period.label},
            official=_official(report),
        )
        return "reports/documents/district.html", context, figures


def _official(report):
    """The letterhead and signature blocks; an approved report gets its reference number (numbering.py)."""
    khmer_digits = NationalSettings.current().khmer_digits
    number = None
    if report.status == ReportStatus.APPROVED and report.approved_at:
        number = numbering.number_for(
            kind=PdfKind.DISTRICT,
            unit_code=report.district.code,
            subject=numbering.district_report_subject(report),
            issued_at=report.approved_at,
        )
    return official_form.official_context(
        kind=PdfKind.DISTRICT,
        unit=report.district,
        place=_("%(district)s District") % {"district": report.district.name},
        number=number,
        issued_on=timezone.localtime(report.approved_at).date() if number else timezone.localdate(),
        signatories=official_form.district_signatories(report, khmer_digits),
        khmer_digits=khmer_digits,
    )


def render_district(report, language, *, progress=None):
    """The district quarterly report as a renderer.RenderedPdf (charts exported on the way)."""
    template, context, figures = district_document(report, language)
    return render_with_charts(template, context, figures, language, progress=progress)


def _previous_report(report):
    previous_period = report.period.previous()
    if previous_period is None:
        return None
    return (
        DistrictReport.objects.filter(district=report.district, period=previous_period)
        .select_related("period", "district")
        .first()
    )


def _district_indicators(report, now, previous, summary):
    """This quarter against the last: the rollup indicators, then the year-to-date lines (compared only
    within the same year)."""
    before = report_rows(previous)[0] if previous else None
    same_year = previous is not None and previous.period.year == report.period.year
    before_summary = summarise(previous) if same_year else None
    target = summary.target

    def earlier(attr):
        return getattr(before_summary, attr) if before_summary else None

    return rollup_indicators(now, before, target=target) + [
        Indicator(
            _("Triggering events, year to date"),
            summary.triggering_ytd,
            earlier("triggering_ytd"),
            target=target.triggering_events if target else None,
            comparable=same_year,
        ),
        Indicator(
            _("Budget spent, year to date"),
            summary.spent_ytd,
            earlier("spent_ytd"),
            target=target.budget if target else None,
            kind="money",
            comparable=same_year,
        ),
        Indicator(
            _("Budget utilisation, year to date"),
            summary.utilisation_ytd,
            earlier("utilisation_ytd"),
            kind="pct",
            comparable=same_year,
        ),
    ]


def _odf_villages(report):
    """(villages that became ODF this quarter, with their dates; [(commune, verified names, declared names)]).

    Every ODF village by name, one string per commune and status: plain text lays out much faster than
    a span per village in a long list.
    """
    odf_villages = list(
        VillageQuarter.objects.filter(report=report, odf_status__in=[OdfStatus.DECLARED, OdfStatus.VERIFIED])
        .select_related("village__commune")
        .order_by("village__commune__code", "village__code")
    )
    first_day, last_day = report.period.bounds
    changes = [row for row in odf_villages if row.odf_status_date and first_day <= row.odf_status_date <= last_day]
    names = {}
    for row in odf_villages:
        names.setdefault(row.village.commune, {}).setdefault(row.odf_status, []).append(row.village.name)
    by_commune = [
        (commune, ", ".join(by_status.get(OdfStatus.VERIFIED, [])), ", ".join(by_status.get(OdfStatus.DECLARED, [])))
        for commune, by_status in names.items()
    ]
    return changes, by_commune


def _status_line(report):
    if report.status == ReportStatus.APPROVED and report.approved_at:
        return _("Approved by %(who)s on %(day)s") % {
            "who": display_name(report.approved_by),
            "day": format_date(report.approved_at),
        }
    if report.status == ReportStatus.SUBMITTED and report.submitted_at:
        return _("Submitted on %(day)s, waiting for review") % {"day": format_date(report.submitted_at)}
    return report.get_status_display()


def _district_figures(report, now, language):
    """Trend charts: earlier quarters from the approved rollups, this quarter from the report itself."""
    period = report.period
    history = list(
        Rollup.objects.filter(level=RollupLevel.DISTRICT, code=report.district.code, data_state=DataState.APPROVED)
        .filter(Q(period__year__lt=period.year) | Q(period__year=period.year, period__quarter__lt=period.quarter))
        .select_related("period")
        .order_by("-period__year", "-period__quarter")[: TREND_QUARTERS - 1]
    )
    series = [*reversed(history), now]
    plan = list(DistrictPlanTarget.objects.filter(district=report.district, year__in={r.period.year for r in series}))
    return {
        "coverage": (
            charts.coverage_figure(
                series,
                language=language,
                plan_targets={t.year: t.coverage_pct for t in plan if t.coverage_pct is not None},
            ),
            *WIDE_CHART,
        ),
        "odf": (
            charts.odf_figure(
                series,
                language=language,
                plan_targets={t.year: t.odf_villages for t in plan if t.odf_villages is not None},
            ),
            *WIDE_CHART,
        ),
    }
