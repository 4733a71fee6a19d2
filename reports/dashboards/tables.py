"""The dashboards' tables (communes of a district, league tables) and the CSV of any chart or table.

A cell is {text shown, raw value for sorting and CSV, link, numeric?, provisional flag}.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from districts.models import Commune
from districts.templatetags.portal import count, percent
from reports import indicators
from reports.dashboards import figures as charts
from reports.rollups import basis as row_basis


def difference(now, before):
    if now is None or before is None:
        return None
    return now - before


def signed(value, digits=1):
    return "—" if value is None else f"{value:+.{digits}f}"


def _cell(text, raw=None, *, href=None, numeric=True, flag=False, downloaded=None):
    """A table cell: `text` shown, `raw` to sort by (and, for a number, what the downloads hold); `downloaded`
    where the downloads must hold something else (a "2 / 4" whose sort key is -2 downloads as "2 / 4")."""
    return {
        "text": text,
        "raw": text if raw is None and not numeric else raw,
        "href": href,
        "numeric": numeric,
        "flag": flag,
        "downloaded": downloaded,
    }


def _basis_cell(row):
    """What a unit's figures rest on ("reported", "carried forward from Q1 2019", "2 reported, 1 carried
    forward ..."), with the machine-readable basis columns of the CSV (basis.CSV_HEADER)."""
    if row is None:
        return _cell("—", numeric=False) | {"basis_csv": [0, 0, ""]}
    found = row_basis.of_row(row, names=False)
    return _cell(found.short_stock(), numeric=False) | {"basis_csv": found.csv_values()}


def _pct_cell(value, flag=False):
    return _cell(percent(value), None if value is None else round(value, 2), flag=flag)


def _count_cell(value, flag=False):
    return _cell(count(value), value, flag=flag)


def commune_table(district, rows_by_code, district_row):
    """The district's communes in the selected quarter: coverage and ODF status. A commune without a row
    (no report counted) is listed with dashes. One query (the communes)."""
    first_day = district_row.period.bounds[0]
    communes = list(Commune.objects.active_on(first_day).filter(district=district).order_by("code"))
    known = {c.code for c in communes}
    communes += [row.unit for code, row in sorted(rows_by_code.items()) if code not in known]
    flag = charts.has_unapproved(district_row)
    table_rows = []
    for commune in communes:
        row = rows_by_code.get(commune.code)
        if row is None:
            status = _("No data")
        elif row.odf_communes:
            status = _("Every reported village verified")
        else:
            status = _("%(verified)s of %(villages)s villages verified") % {
                "verified": row.odf_villages_verified,
                "villages": row.villages_reported,
            }
        table_rows.append(
            [
                _cell(commune.name, href=reverse("districts:commune", args=[commune.code]), numeric=False),
                _count_cell(row.villages_reported if row else None),
                _count_cell(row.households_total if row else None),
                _pct_cell(row.sanitation_coverage if row else None, flag and row is not None),
                _pct_cell(row.basic_sanitation if row else None, flag and row is not None),
                _pct_cell(row.idpoor_coverage if row else None, flag and row is not None),
                _count_cell(row.odf_villages_verified if row else None, flag and row is not None),
                _count_cell(row.odf_villages_declared if row else None, flag and row is not None),
                _cell(status, int(bool(row and row.odf_communes)), numeric=False),
                _basis_cell(row),
            ]
        )
    table_rows.sort(key=lambda cells: (cells[3]["raw"] is None, -(cells[3]["raw"] or 0)))
    return {
        "key": "communes",
        "title": _("Communes"),
        "caption": _(
            "Each commune's figures in the selected quarter, and its ODF status as the quarterly reports give it. "
            "Whether a commune is ODF is decided by certification: see the ODF verification table."
        ),
        "columns": [
            _("Commune"),
            _("Villages reported"),
            _("Households"),
            _("Sanitation coverage"),
            _("Basic sanitation"),
            _("IDPoor coverage"),
            _("Verified ODF villages"),
            _("Declared, not yet verified"),
            _("ODF status in the reports"),
            _("Figures"),
        ],
        "rows": table_rows,
    }


def _on_time(children, keys, code):
    """Reports on time and expected of one unit over the quarters `keys`."""
    on_time = expected = 0
    for key in keys:
        row = children.get(key, {}).get(code)
        if row is not None:
            on_time += row.reports_on_time
            expected += row.reports_expected
    return on_time, expected


def _report_status(row):
    if row.reports_approved:
        return _("Approved")
    if row.reports_submitted:
        return _("Submitted")
    return _("Not submitted") if row.reports_expected else "—"


def _league_rows(rows_by_code):
    return sorted(
        rows_by_code.items(),
        key=lambda item: (item[1].sanitation_coverage is None, -(item[1].sanitation_coverage or 0), item[0]),
    )


def district_league(rows_by_code, base, children, keys):
    table_rows = []
    for code, row in _league_rows(rows_by_code):
        flag = charts.has_unapproved(row)
        before = base.get(code)
        change = difference(row.sanitation_coverage, before.sanitation_coverage if before else None)
        on_time, expected = _on_time(children, keys, code)
        status = _report_status(row)
        if row.reports_submitted:
            status += " · " + (
                pgettext("dashboard", "on time") if row.reports_on_time else pgettext("dashboard", "late")
            )
        table_rows.append(
            [
                _cell(row.unit.name, href=reverse("reports:dashboard_district", args=[code]), numeric=False),
                _pct_cell(row.sanitation_coverage, flag),
                _cell(signed(change), None if change is None else round(change, 2), flag=flag),
                _count_cell(row.odf_villages_verified, flag),
                _count_cell(row.odf_villages_declared, flag),
                _cell(f"{on_time} / {expected}", on_time - expected, downloaded=f"{on_time} / {expected}"),
                _cell(status, numeric=False),
                _basis_cell(row),
            ]
        )
    return {
        "key": "league",
        "title": _("League table of districts"),
        "caption": _(
            "Coverage in the selected quarter and its change since the end of last year (percentage "
            "points); verified and declared ODF villages; district reports submitted on time in the "
            "last four quarters; this quarter's report."
        ),
        "columns": [
            _("District"),
            _("Sanitation coverage"),
            _("Change this year"),
            _("Verified ODF villages"),
            _("Declared, not yet verified"),
            _("On time, last 4 quarters"),
            _("This quarter's report"),
            _("Figures"),
        ],
        "rows": table_rows,
    }


def province_league(rows_by_code, since, children, keys, odf_districts, projections):
    """`since`: {province id: comparisons.Comparison with Q4 of last year}, the change over the same districts."""
    table_rows = []
    for code, row in _league_rows(rows_by_code):
        flag = charts.has_unapproved(row)
        compared = since.get(row.province_id)
        change = compared.change if compared else None
        on_time, expected = _on_time(children, keys, code)
        projected = projections.get(code)
        table_rows.append(
            [
                _cell(row.unit.name, href=reverse("reports:dashboard_province", args=[code]), numeric=False),
                _pct_cell(row.sanitation_coverage, flag),
                _cell(signed(change), None if change is None else round(change, 2), flag=flag),
                _count_cell(row.odf_villages_verified, flag),
                _count_cell(row.odf_communes, flag),
                _count_cell(odf_districts.get(row.province_id, 0), flag),
                _cell(
                    f"{row.reports_submitted} / {row.reports_expected}",
                    row.reports_submitted,
                    downloaded=f"{row.reports_submitted} / {row.reports_expected}",
                ),
                _pct_cell(indicators.ratio_pct(on_time, expected)),
                _cell(
                    "—" if not projected or projected.year is None else str(projected.year),
                    projected.year if projected else None,
                ),
                _basis_cell(row),
            ]
        )
    return {
        "key": "league",
        "title": _("League table of provinces"),
        "caption": _(  # xgettext:no-python-format
            "Coverage in the selected quarter and its change since the end of last year (percentage "
            "points); villages verified ODF in the quarterly reports, and communes and districts whose every "
            "reported village is verified (the certified ODF units are in the ODF verification table); district "
            "reports submitted this quarter; share of reports on time in the last four quarters; the year "
            "100% coverage is reached at the current rate."
        ),
        "columns": [
            _("Province"),
            _("Sanitation coverage"),
            _("Change this year"),
            _("ODF villages (verified)"),
            _("Communes reported ODF"),
            _("Districts reported ODF"),
            _("Reports this quarter"),
            _("On time, last 4 quarters"),
            # xgettext:no-python-format
            _("100% coverage in"),
            _("Figures"),
        ],
        "rows": table_rows,
    }


def _share_cell(part, whole):
    """ "3 / 4": sorted by the part, downloaded as shown."""
    return _cell(f"{count(part)} / {count(whole)}", part, downloaded=f"{part} / {whole}")


def _funnel_row(name, counts, *, href=None, districts=True):
    row = [
        _cell(name, href=href, numeric=False),
        _count_cell(counts.declared),
        _count_cell(counts.verified),
        _count_cell(counts.certified),
        _count_cell(counts.slipped),
        _count_cell(counts.reverified),
        _share_cell(counts.certified_villages, counts.villages),
        _share_cell(counts.odf_communes, counts.communes),
    ]
    if districts:
        row.append(_share_cell(counts.odf_districts, counts.districts))
    return row + [_count_cell(counts.reverification_overdue), _count_cell(counts.reverification_due_next)]


FUNNEL_LINKS = {"district": None, "province": "reports:dashboard_district", "national": "reports:dashboard_province"}


def odf_funnel_table(funnel):
    """The quarter's ODF funnel (reports.odf.funnel.Funnel) by commune, district or province, and the total."""
    link = FUNNEL_LINKS[funnel.level]
    districts = funnel.level != "district"
    rows = [
        _funnel_row(unit.name, counts, href=reverse(link, args=[unit.code]) if link else None, districts=districts)
        for unit, counts in funnel.rows
    ]
    rows.append(_funnel_row(_("Total"), funnel.total, districts=districts))
    unit_column = {"district": _("Commune"), "province": _("District"), "national": _("Province")}[funnel.level]
    columns = [
        unit_column,
        _("Declared ODF"),
        _("Verified"),
        _("Certified"),
        _("Slipped back"),
        _("Re-verified"),
        _("Certified ODF villages"),
        pgettext("dashboard", "ODF communes"),
    ]
    if districts:
        columns.append(_("ODF districts"))
    return {
        "key": "odf_funnel",
        "title": _("ODF verification: the quarter and its end"),
        "caption": _(
            "Villages declared ODF, verified (visit passed), certified, slipped back and re-verified in the quarter; "
            "at its end, certified villages of the active villages, ODF communes (every active village certified) "
            "and districts (every active commune ODF), re-verifications overdue and due in the next quarter."
        ),
        "columns": columns + [_("Re-verifications overdue"), _("Re-verifications due next quarter")],
        "rows": rows,
    }


def _points_cell(value):
    return _cell("—" if value is None else f"{value:.1f}", None if value is None else round(value, 2))


def scorecard_table(scores, weights, formula):
    """The district scorecard (reports.dashboards.scorecard): each component's value and weighted points, and the
    score, with the formula under the table. Highest score first, never a bare rank."""
    rows = []
    for found in scores:
        cells = [
            _cell(found.unit.name, href=reverse("reports:dashboard_district", args=[found.unit.code]), numeric=False)
        ]
        for component in found.components:
            cells += [_pct_cell(component.value), _points_cell(component.points)]
        rows.append(cells + [_points_cell(found.total)])
    columns = [_("District")]
    for component in scores[0].components if scores else []:
        columns += [
            _("%(component)s (%%)") % {"component": component.label},
            _("points (weight %(weight)s)") % {"weight": component.weight},
        ]
    return {
        "key": "scorecard",
        "title": _("District scorecard"),
        "caption": _(
            "Each component's value in the selected quarter and its points: its weight times its value, over the "
            "sum of the weights. The score is the sum of the points, out of 100."
        ),
        "columns": columns + [_("Score (of 100)")],
        "rows": rows,
        "footnote": formula,
    }


def _downloaded(cell):
    """What a download holds for a cell: the number, or the text shown (see _cell)."""
    if cell.get("downloaded") is not None:
        return cell["downloaded"]
    return cell["raw"] if cell["numeric"] else cell["text"]


def csv_rows(data, name):
    """Header and rows of one table's or chart's numbers for a CSV download; None when there is no such name. A table
    comes first: the league table and the league chart share their key, and the table has every column."""
    for table in data.get("tables", []):
        if table["key"] == name:
            header = list(table["columns"]) + ([_("Provisional")] if data["provisional"] else [])
            body = [
                [_downloaded(cell) for cell in row]
                + ([_("yes") if any(cell["flag"] for cell in row) else ""] if data["provisional"] else [])
                + next((cell["basis_csv"] for cell in row if "basis_csv" in cell), ["", "", ""])
                for row in table["rows"]
            ]
            return header + row_basis.CSV_HEADER, body
    for chart in data.get("charts", []):
        if chart["key"] == name:
            table = chart["table"]
            provisional = set(table["provisional"])
            header = list(table["columns"]) + ([_("Provisional")] if data["provisional"] else [])
            basis = table.get("basis_csv") or [["", "", ""]] * len(table["rows"])
            body = [
                list(row) + ([_("yes") if row[0] in provisional else ""] if data["provisional"] else []) + extra
                for row, extra in zip(table["rows"], basis, strict=True)
            ]
            return header + row_basis.CSV_HEADER, body
    return None
