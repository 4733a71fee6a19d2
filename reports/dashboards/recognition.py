"""The quarter's recognition list, for a province and for the nation: what became ODF (villages, communes and
districts, from reports.odf.funnel), the districts with the best coverage progress since the end of last year, and
the districts whose reports were on time in each of the last four quarters. Plain data; no query here."""

from dataclasses import dataclass, field

from reports.dashboards.tables import difference

BEST_PROGRESS = 5  # districts listed for their progress


@dataclass
class Recognition:
    villages: list = field(default_factory=list)
    communes: list = field(default_factory=list)
    districts: list = field(default_factory=list)
    best_progress: list = field(default_factory=list)  # [(district, change in percentage points)], largest first
    on_time: list = field(default_factory=list)  # [district] in code order

    @property
    def empty(self) -> bool:
        return not (self.villages or self.communes or self.districts or self.best_progress or self.on_time)


def best_progress(now_rows, baseline, n=BEST_PROGRESS):
    """[(unit, change)] of the districts whose coverage rose most since the end of last year (`baseline`: {code:
    coverage then}), on figures reported this quarter (a row carried forward shows no progress of its own)."""
    changes = []
    for code, row in now_rows.items():
        change = difference(row.sanitation_coverage, baseline.get(code))
        if change is not None and change > 0 and not row.is_carried:
            changes.append((row.unit, change, code))
    changes.sort(key=lambda item: (-item[1], item[2]))
    return [(unit, change) for unit, change, _code in changes[:n]]


def always_on_time(history, quarters=4):
    """[unit] of the districts whose report was on time in each of the last `quarters` quarters (`history`: {code:
    [rows of those quarters]})."""
    found = []
    for code in sorted(history):
        rows = history[code]
        if len(rows) == quarters and all(r.reports_expected and r.reports_on_time >= r.reports_expected for r in rows):
            found.append(rows[-1].unit)
    return found


def recognition(newly, now_rows, baseline, history):
    """The Recognition of a quarter: `newly` (reports.odf.funnel.Newly, None: nothing), the district rows of the quarter
    ({code: row}), their coverage at the end of last year ({code: %}) and their rows of the last four quarters."""
    return Recognition(
        villages=newly.villages if newly else [],
        communes=newly.communes if newly else [],
        districts=newly.districts if newly else [],
        best_progress=best_progress(now_rows, baseline),
        on_time=always_on_time(history),
    )
