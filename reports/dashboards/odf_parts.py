"""The dashboards' ODF parts, from the quarter's ODF funnel (reports.odf.funnel.Funnel) and district rollup rows:
the funnel table and certified counts, the district scorecard (provinces) and the recognition list (provinces and
the nation). Plain data for the cache; `district_rows` are {(year, quarter): {code: row}}."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.models import District
from reports.dashboards import figures as charts
from reports.dashboards import recognition, scorecard, tables
from reports.models import ReportingPeriod
from reports.odf import status
from reports.rollups.models import Rollup, RollupLevel

# What the scorecard and the recognition list read of a district's rollup row (the row has ~60 figures; reading
# only these halves the time to load the nation's 1,050 rows of five quarters). tests/reports/dashboards pin the
# national page's queries: a field read that is not here would cost a query per row.
SCORECARD_FIELDS = (
    "level", "code", "period", "district", "province", "data_state", "reports_on_time", "reports_expected",
    "ft_received", "spent_total", "hh_improved_own", "hh_improved_shared", "households_total", "carried_since",
)  # fmt: skip


def national_district_rows(period_ids, *, provisional):
    """{(year, quarter): {code: row}} of every district in the given quarters. Three queries: the rows, then their
    quarters and districts once each (not joined to every row: four quarters made 840 copies of 210 districts)."""
    rows = list(
        Rollup.objects.for_state(provisional)
        .filter(level=RollupLevel.DISTRICT, period_id__in=period_ids)
        .only(*SCORECARD_FIELDS)
    )
    periods = ReportingPeriod.objects.in_bulk({row.period_id for row in rows})
    districts = District.objects.in_bulk({row.district_id for row in rows})
    by_quarter = {}
    for row in rows:
        row.period, row.district = periods[row.period_id], districts[row.district_id]
        by_quarter.setdefault((row.period.year, row.period.quarter), {})[row.code] = row
    return by_quarter


def add_funnel(data, found, *, language):
    """The funnel's table and the certified stock at the quarter's end into `data`. Returns the chart's (key,
    figure)."""
    data["tables"].append(tables.odf_funnel_table(found))
    total = found.total
    data["odf_certified"] = {
        "villages": total.certified_villages,
        "active_villages": total.villages,
        "communes": total.odf_communes,
        "all_communes": total.communes,
        "districts": total.odf_districts,
        "all_districts": total.districts,
        "overdue": total.reverification_overdue,
        "due_next": total.reverification_due_next,
    }
    return ("odf_funnel", charts.odf_funnel_figure(total, language=language))


def scorecard_table(period, district_rows, found, weights, recent):
    """The district scorecard of the funnel's districts (`recent`: the last four quarters' keys)."""
    this_year = [key for key in recent if key[0] == period.year]

    def rows_of(code, keys):
        return [district_rows[key][code] for key in keys if code in district_rows.get(key, {})]

    inputs = [
        (unit, district_rows.get((period.year, period.quarter), {}).get(unit.code), rows_of(unit.code, recent),
         rows_of(unit.code, this_year), counts)
        for unit, counts in found.rows
    ]  # fmt: skip
    return tables.scorecard_table(scorecard.district_scores(inputs, weights), weights, scorecard.formula(weights))


def recognition_data(period, district_rows, found, recent):
    """The quarter's recognition list as plain data: what became ODF (found.newly), best progress, on time."""
    history = {}
    for key in recent:
        for code, row in district_rows.get(key, {}).items():
            history.setdefault(code, []).append(row)
    baseline = {code: row.sanitation_coverage for code, row in district_rows.get((period.year - 1, 4), {}).items()}
    listed = recognition.recognition(
        found.newly, district_rows.get((period.year, period.quarter), {}), baseline, history
    )
    return {
        "villages": [f"{v.name} ({v.commune.name})" for v in listed.villages],
        "communes": [f"{c.name} ({c.district.name})" for c in listed.communes],
        "districts": [f"{d.name} ({d.province.name})" for d in listed.districts],
        "best_progress": [(unit.name, tables.signed(change)) for unit, change in listed.best_progress],
        "on_time": [unit.name for unit in listed.on_time],
        "empty": listed.empty,
    }


def certificates_today(level, unit):
    """The units of a district's or a province's dashboard that are ODF today, each with its certificate's address:
    for a district, itself and its ODF communes; for a province, its ODF districts. Plain data for the cache; five or
    six queries (reports.odf.status).

    SECURITY: every reader of a dashboard reads every unit below it (scoping is inherited downwards), so the list is
    the same for all of them; the certificate view checks the reader again."""
    today = timezone.localdate()
    if level == "district":
        standing = status.district_standing(unit, today)
        communes = [_certificate("commune", c) for c in standing.communes if c.pk in standing.standing.odf]
        return ([_certificate("district", unit)] if standing.odf else []) + communes
    districts = list(District.objects.active_on(today).filter(province=unit).order_by("code"))
    odf = status.odf_districts(districts, today)
    return [_certificate("district", d) for d in districts if d.pk in odf]


def _certificate(level, unit):
    name = _("%(district)s District") % {"district": unit.name} if level == "district" else unit.name
    url = reverse(f"reports:pdf_certificate_{level}", args=[unit.code])
    return {"id": f"certificate-{level}-{unit.code}", "name": name, "url": url}
