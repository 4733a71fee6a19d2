"""The load test's checks on the database: no lost save, and rollups that caught up with the approvals.

Lost saves: every commune page the portal answered "Saved" for (the Locust processes record what they posted)
must be in the database. A save counts as lost when its commune's history has no version with its activities,
when one of its village rows matches neither the row now nor any historical version of it, or, for a save that is
still the commune's latest version, when the figures now differ from what was posted.

Rollups: fresh when no district-quarter of the quarter is marked stale and the rollup rows hold what the reports
say, summed here independently of reports.rollups (village sums and report counts per district, and the national
row), in both data states.
"""

import json
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db.models import Count, Max, Sum

from reports.devtools.loadtest import figures
from reports.models import (
    COUNTED_STATUSES,
    CommuneQuarter,
    DistrictReport,
    ReportEvent,
    ReportStatus,
    VillageQuarter,
    WorkflowAction,
)
from reports.rollups.build import STATUSES_BY_STATE
from reports.rollups.models import DataState, Rollup, RollupLevel, StaleRollup

VILLAGE_FIELDS = [*figures.COUNT_FIELDS, "odf_status", "explanation"]
ROLLUP_FIELDS = [
    *figures.COUNT_FIELDS,
    "villages_reported",
    "reports_included",
    "reports_submitted",
    "reports_approved",
]


def read_records(directory: Path, kind: str) -> list[dict]:
    """Every record of that kind the Locust processes wrote, oldest first."""
    records = []
    for path in sorted(directory.glob(f"{kind}-*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(records, key=lambda record: record["t"])


# --- Lost saves ----------------------------------------------------------------------------------------------


def lost_saves(period, saves: list[dict]) -> list[str]:
    """One line per save the database does not hold (empty: none lost)."""
    villages_now, villages_ever = _village_versions(period)
    communes_now, communes_ever, versions_now = _commune_versions(period)
    last = {(save["district"], save["commune"]): save for save in saves}
    lost = []
    for save in saves:
        key = (save["district"], save["commune"])
        posted = {code: _village_tuple(values) for code, values in save["villages"].items()}
        activities = _activity_tuple(save["activities"])
        problems = [code for code, values in posted.items() if values not in villages_ever.get((key[0], code), ())]
        if activities not in communes_ever.get((key, save["version"] + 1), ()):
            problems.append("commune activities")
        if save is last[key] and versions_now.get(key) == save["version"] + 1:
            # Still the commune's latest version (a save whose answer Locust never read, cut off at the end of the
            # run, may have followed): its figures must be the ones in the database now.
            problems += [code for code, values in posted.items() if villages_now.get((key[0], code)) != values]
            if communes_now.get(key) != activities:
                problems.append("commune activities now")
        if problems:
            lost.append(f"{save['user']} commune {save['commune']} version {save['version']}: {sorted(set(problems))}")
    return lost


def _village_versions(period):
    """({(district, village): values now}, {(district, village): {values of every version, now included}})."""
    now, ever = {}, defaultdict(set)
    fields = ["report__district__code", "village__code", *VILLAGE_FIELDS]
    for row in VillageQuarter.objects.filter(report__period=period).values_list(*fields):
        now[row[:2]] = _normalised(row[2:])
        ever[row[:2]].add(now[row[:2]])
    history = VillageQuarter.history.filter(report__period=period)
    for row in history.values_list(*fields):
        ever[row[:2]].add(_normalised(row[2:]))
    return now, ever


def _commune_versions(period):
    """({(district, commune): activities now}, {((district, commune), version): {activities}},
    {(district, commune): version now})."""
    now, ever, versions = {}, defaultdict(set), {}
    fields = ["report__district__code", "commune__code", "version", *figures.ACTIVITY_FIELDS]
    for row in CommuneQuarter.objects.filter(report__period=period).values_list(*fields):
        now[row[:2]], versions[row[:2]] = tuple(row[3:]), row[2]
        ever[(row[:2], row[2])].add(tuple(row[3:]))
    for row in CommuneQuarter.history.filter(report__period=period).values_list(*fields):
        ever[(row[:2], row[2])].add(tuple(row[3:]))
    return now, ever, versions


def _normalised(values):
    return tuple(value.strip() if isinstance(value, str) else value for value in values)


def _village_tuple(posted: dict) -> tuple:
    counts = [figures.count(posted.get(name)) for name in figures.COUNT_FIELDS]
    return (*counts, posted.get("odf_status", "").strip(), posted.get("explanation", "").strip())


def _activity_tuple(posted: dict) -> tuple:
    counts = [figures.count(posted.get(name)) for name in figures.ACTIVITY_FIELDS[:-1]]
    try:
        budget = Decimal(posted.get("commune_budget", "").replace(",", "")) if posted.get("commune_budget") else None
    except InvalidOperation:
        budget = None
    return (*counts, budget)


# --- Rollups -------------------------------------------------------------------------------------------------


def fingerprint(period) -> tuple:
    """Changes whenever a report of the quarter changes state (statuses counted, latest event)."""
    statuses = tuple(
        DistrictReport.objects.filter(period=period).values_list("status").annotate(n=Count("id")).order_by("status")
    )
    return statuses, ReportEvent.objects.filter(report__period=period).aggregate(last=Max("id"))["last"]


def stale_marks(period) -> int:
    return StaleRollup.objects.filter(period=period).count()


def last_approval(period):
    """When the quarter's last report was approved (None: no approval)."""
    return ReportEvent.objects.filter(report__period=period, action=WorkflowAction.APPROVED).aggregate(last=Max("at"))[
        "last"
    ]


def rollup_mismatches(period) -> list[str]:
    """Where the quarter's district and national rollup rows differ from the reports (empty: they agree)."""
    expected = _expected_by_district(period)
    problems = []
    for state in DataState:
        stored = {
            row["district_id"]: row
            for row in Rollup.objects.filter(period=period, level=RollupLevel.DISTRICT, data_state=state).values(
                "district_id", "carried_since", *ROLLUP_FIELDS
            )
        }
        total = defaultdict(int)
        for district_id in set(stored) | set(expected[state]):
            want = expected[state].get(district_id, {})
            have = stored.get(district_id, {})
            if have.get("carried_since") and not want.get("reports_included"):
                # No report counted this quarter: its stock figures are carried from an earlier one (checked by
                # the rollup tests), not summed from this quarter's rows.
                want = {**want, **{name: have[name] for name in Rollup.STOCK_FIELDS if name in have}}
            for name in ROLLUP_FIELDS:
                total[name] += want.get(name, 0)
                if have.get(name, 0) != want.get(name, 0):
                    problems.append(f"{state} district {district_id} {name}: {have.get(name)} != {want.get(name, 0)}")
        national = Rollup.objects.filter(period=period, level=RollupLevel.NATIONAL, data_state=state).values(
            *ROLLUP_FIELDS
        )
        have = national[0] if national else {}
        problems += [
            f"{state} national {name}: {have.get(name)} != {total[name]}"
            for name in ROLLUP_FIELDS
            if have.get(name, 0) != total[name]
        ]
    return problems


def _expected_by_district(period):
    """{state: {district id: {rollup field: value}}} summed from the village rows and reports of the quarter."""
    expected = {state: defaultdict(lambda: defaultdict(int)) for state in DataState}
    for report in DistrictReport.objects.filter(period=period).values("district_id", "status"):
        for state, statuses in STATUSES_BY_STATE.items():
            sums = expected[state][report["district_id"]]
            sums["reports_submitted"] = int(report["status"] in COUNTED_STATUSES)
            sums["reports_approved"] = int(report["status"] == ReportStatus.APPROVED)
            sums["reports_included"] = int(report["status"] in statuses)
    village_sums = {name: Sum(name) for name in figures.COUNT_FIELDS}
    for state, statuses in STATUSES_BY_STATE.items():
        groups = (
            VillageQuarter.objects.filter(report__period=period, report__status__in=statuses)
            .values("report__district_id")
            .annotate(villages_reported=Count("id"), **village_sums)
            .order_by()
        )
        for group in groups:
            sums = expected[state][group.pop("report__district_id")]
            sums.update({name: value or 0 for name, value in group.items()})
    return expected
