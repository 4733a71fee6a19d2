"""The dashboards' ODF parts, from the quarter's ODF funnel (reports.odf.funnel.Funnel) and district rollup rows:
the funnel table and certified counts, the district scorecard (provinces) and the recognition list (provinces and
the nation). Plain data for the cache; `district_rows` are {(year, quarter): {code: row}}."""

from reports.dashboards import figures as charts
from reports.dashboards import recognition, scorecard, tables
from reports.rollups.models import Rollup, RollupLevel


def national_district_rows(period_ids, *, provisional):
    """{(year, quarter): {code: row}} of every district in the given quarters. One query."""
    by_quarter = {}
    for row in (
        Rollup.objects.for_state(provisional)
        .filter(level=RollupLevel.DISTRICT, period_id__in=period_ids)
        .select_related("period", "district")
    ):
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
