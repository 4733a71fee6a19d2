"""A national-scale synthetic dataset for benchmarks and load tests: every active district of the real
gazetteer, every village, 40 quarters (2016 Q1 – 2025 Q4). Made up, clearly marked, never for production.

Deterministic from a seed: each district draws from its own random.Random(f"{seed}:{district code}"),
so the figures of a district do not depend on which others are generated. Trends follow the DRSSD
story: coverage rises toward 100% along a saturating curve (each district its own start and
pace), villages are triggered, declared and then verified ODF as their coverage climbs, the
functional-transfer budget grows and more of it is spent, trainings taper off after the early
cascade. Most reports are approved; a few are late, a few missing, and the last two quarters hold
submitted (provisional), returned and draft reports. Every generated report has is_demo=True and a
narrative starting with SYNTHETIC_MARK.

Rows are written in bulk (COPY on PostgreSQL), without simple-history records.
"""

import datetime
import io
import math
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from districts.models import Commune, District, Village
from reports import quarters
from reports.devtools.demo import split_whole
from reports.devtools.village_plans import VillagePlan
from reports.models import (
    CommuneQuarter,
    DistrictPlanTarget,
    DistrictReport,
    OdfStatus,
    ReportingPeriod,
    ReportStatus,
    Training,
    TrainingTopic,
    VillageQuarter,
)

SYNTHETIC_MARK = "SYNTHETIC DATA"
QUARTERS = [(year, quarter) for year in range(2016, 2026) for quarter in (1, 2, 3, 4)]
LAST = len(QUARTERS) - 1
# Annual functional-transfer allocation (USD) for a district of 70 villages, by year.
ALLOCATION = {
    2016: 700,
    2017: 700,
    2018: 1000,
    2019: 1000,
    2020: 1000,
    2021: 1400,
    2022: 1400,
    2023: 1400,
    2024: 1800,
    2025: 1800,
}
VILLAGE_COLUMNS = [
    "report_id",
    "village_id",
    *VillageQuarter.COUNT_FIELDS,
    "odf_status",
    "odf_status_date",
    "explanation",
]
COMMUNE_COLUMNS = ["report_id", "commune_id", *CommuneQuarter.ACTIVITY_FIELDS, "version"]
TRAINING_COLUMNS = [
    "report_id",
    "topic",
    "topic_detail",
    "participants_provincial",
    "participants_district",
    "participants_commune",
    "participants_village",
    "women",
]


class SyntheticDataRefused(Exception):
    """The database holds real reports; generating beside them needs force=True."""


@dataclass
class SyntheticSummary:
    seed: int
    districts: int = 0
    villages: int = 0
    reports: int = 0
    village_rows: int = 0
    commune_rows: int = 0
    trainings: int = 0
    skipped: int = 0  # district-quarters that already had a real or demo report
    replaced: int = 0  # synthetic reports of an earlier run, deleted first
    seconds: float = 0.0


def generate(*, seed, force=False, provinces=None, log=None):
    """Generate the dataset in one transaction; returns a SyntheticSummary.

    Replaces the synthetic reports of an earlier run; leaves every other report alone (its
    district-quarter is skipped). Refuses (SyntheticDataRefused) when non-demo reports exist,
    unless `force`. `provinces`: province codes to limit it to (tests); all by default.
    """
    started = time.perf_counter()
    log = log or (lambda message: None)
    check_allowed(force=force)
    summary = SyntheticSummary(seed=seed)
    with transaction.atomic():
        summary.replaced = _delete_earlier_run()
        periods = _ensure_periods()
        districts = District.objects.filter(retired_on__isnull=True).order_by("code")
        if provinces:
            districts = districts.filter(province__code__in=provinces)
        districts = list(districts)
        taken = set(DistrictReport.objects.values_list("district_id", "period_id"))
        communes, villages = _gazetteer(districts)
        reports, village_rows, commune_rows, trainings, targets = [], [], [], [], []
        for district in districts:
            rng = random.Random(f"{seed}:{district.code}")
            plan = _district_plan(rng, district, communes.get(district.pk, []), villages)
            targets += plan.pop("targets")
            for report, rows in plan["reports"]:
                if (district.pk, periods[report.period_index].pk) in taken:
                    summary.skipped += 1
                    continue
                report.period = periods[report.period_index]
                reports.append((report, rows))
            summary.villages += sum(len(villages.get(c, [])) for c in communes.get(district.pk, []))
        summary.districts = len(districts)
        log(f"Planned {len(reports)} reports; writing.")
        DistrictReport.objects.bulk_create([report for report, _rows in reports], batch_size=2000)
        for report, rows in reports:
            village_rows += [(report.pk, *row) for row in rows["villages"]]
            commune_rows += [(report.pk, *row) for row in rows["communes"]]
            trainings += [(report.pk, *row) for row in rows["trainings"]]
        _insert(VillageQuarter, VILLAGE_COLUMNS, village_rows)
        _insert(CommuneQuarter, COMMUNE_COLUMNS, commune_rows)
        _insert(Training, TRAINING_COLUMNS, trainings)
        DistrictPlanTarget.objects.bulk_create(targets, batch_size=2000, ignore_conflicts=True)
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner does not treat half a million new rows as an empty table.
        with connection.cursor() as cursor:
            for model in (
                District,
                Commune,
                Village,
                ReportingPeriod,
                DistrictReport,
                VillageQuarter,
                CommuneQuarter,
                Training,
            ):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    summary.reports, summary.village_rows = len(reports), len(village_rows)
    summary.commune_rows, summary.trainings = len(commune_rows), len(trainings)
    summary.seconds = time.perf_counter() - started
    return summary


def check_allowed(*, force=False):
    """Raise SyntheticDataRefused if the database holds real reports (unless `force`)."""
    if not force and DistrictReport.objects.filter(is_demo=False).exists():
        raise SyntheticDataRefused(
            "This database holds real (non-demo) district reports. Synthetic data belongs in a database of its "
            "own; use --force only if you are sure."
        )


def synthetic_reports():
    return DistrictReport.objects.filter(is_demo=True, achievements__startswith=SYNTHETIC_MARK)


def _delete_earlier_run():
    """Delete an earlier run's reports and rows with plain DELETEs (no per-row history or signals)."""
    earlier = synthetic_reports()
    count = earlier.count()
    if count:
        for model in (VillageQuarter, CommuneQuarter, Training):
            model.objects.filter(report__in=earlier)._raw_delete(connection.alias)
        # The reports themselves through the ORM: a few thousand, and other tables may point at them.
        earlier.delete()
    return count


def _ensure_periods():
    periods = {}
    for i, (year, quarter) in enumerate(QUARTERS):
        periods[i], _created = ReportingPeriod.objects.get_or_create(
            year=year,
            quarter=quarter,
            defaults={"deadline": quarters.default_deadline(year, quarter), "is_open": i == LAST},
        )
    return periods


def _gazetteer(districts):
    """{district id: [commune ids]} and {commune id: [village ids]}, active units only, in code order."""
    communes, villages = {}, {}
    for commune_id, district_id in (
        Commune.objects.active().filter(district__in=districts).order_by("code").values_list("id", "district_id")
    ):
        communes.setdefault(district_id, []).append(commune_id)
    for village_id, commune_id in (
        Village.objects.active()
        .filter(commune__district__in=districts)
        .order_by("code")
        .values_list("id", "commune_id")
    ):
        villages.setdefault(commune_id, []).append(village_id)
    return communes, villages


def _coverage_curve(rng):
    """District coverage (%) per quarter: 100 - (100 - start) * exp(-pace * i), a steady saturating rise."""
    start, pace = rng.uniform(12, 55), rng.uniform(0.035, 0.09)
    return [min(99.5, 100 - (100 - start) * math.exp(-pace * i)) for i in range(len(QUARTERS))]


def _village_plan(rng, village_id, curve):
    plan = VillagePlan(
        village_id=village_id,
        households=rng.randint(40, 450),
        growth=rng.uniform(0.001, 0.006),
        offset=rng.gauss(0, 9),
        shared=rng.uniform(0.04, 0.2),
        open_defecation=rng.uniform(0.45, 0.9),
        idpoor=rng.uniform(0.1, 0.3),
        idpoor_gap=rng.uniform(2, 15) / 100,
        handwashing=rng.uniform(0.55, 0.85),
    )
    # Triggered once coverage passes a threshold (or at random in the CLTS roll-out); declared ODF when
    # nearly everyone has a latrine; verified one to four quarters later (a few wait longer).
    trigger_at, declare_at = rng.uniform(25, 70), rng.uniform(84, 97)
    lag = rng.choice([1, 1, 2, 2, 3, 4, 12])
    trigger = next(
        (i for i in range(len(QUARTERS)) if _village_coverage(plan, curve, i) >= trigger_at), rng.randint(0, LAST + 20)
    )
    declare = next(
        (i for i in range(trigger + 1, len(QUARTERS)) if _village_coverage(plan, curve, i) >= declare_at), None
    )
    for at, status in (
        (trigger, OdfStatus.TRIGGERED),
        (declare, OdfStatus.DECLARED),
        (declare + lag if declare is not None else None, OdfStatus.VERIFIED),
    ):
        if at is not None and at <= LAST:
            plan.odf_changes.append((at, status, _day_in(rng, at)))
    return plan


def _village_coverage(plan, curve, i):
    return min(100.0, max(1.0, curve[i] + plan.offset))


def _village_row(plan, curve, i, before):
    """One village-quarter as a tuple in VILLAGE_COLUMNS order (without report_id), and its improved count."""
    households = plan.households_at(i)
    improved = min(households, round(households * _village_coverage(plan, curve, i) / 100))
    improved = max(improved, min(before, households)) if before is not None else improved
    figures = plan.figures(i, improved, before, fade_quarters=80, handwashing_gain=0.004)
    return (plan.village_id, *(figures[name] for name in VILLAGE_COLUMNS[2:-1]), ""), improved


def _report_status(rng, i):
    """Status of a district's report for quarter i, or None when it was never filed."""
    if i == LAST:
        weights = {
            ReportStatus.APPROVED: 55,
            ReportStatus.SUBMITTED: 28,
            ReportStatus.RETURNED: 4,
            ReportStatus.DRAFT: 8,
            None: 5,
        }
    elif i == LAST - 1:
        weights = {ReportStatus.APPROVED: 88, ReportStatus.SUBMITTED: 6, ReportStatus.RETURNED: 2, None: 4}
    else:
        missing = 6 - 5 * i / LAST  # reporting discipline improves over the years
        weights = {
            ReportStatus.APPROVED: 99 - missing,
            ReportStatus.SUBMITTED: 0.5,
            ReportStatus.RETURNED: 0.5,
            None: missing,
        }
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _district_plan(rng, district, commune_ids, villages):
    """Every report of the district with its rows (report ids not known yet), and its plan targets."""
    curve = _coverage_curve(rng)
    plans = {c: [_village_plan(rng, v, curve) for v in villages.get(c, [])] for c in commune_ids}
    size = max(0.5, sum(len(p) for p in plans.values()) / 70)
    improved_before = {}
    carried, owed = Decimal(0), Decimal(0)
    out = []
    for i, (year, _quarter) in enumerate(QUARTERS):
        status = _report_status(rng, i)
        # Village rows evolve whether or not the report was filed, so a missing quarter is a gap, not a reset.
        village_rows = []
        for commune_plans in plans.values():
            for plan in commune_plans:
                row, improved_before[plan.village_id] = _village_row(
                    plan, curve, i, improved_before.get(plan.village_id)
                )
                village_rows.append(row)
        allocation = Decimal(round(ALLOCATION[year] * size))
        received, owed = owed + (allocation / 4).quantize(Decimal("1")), Decimal(0)
        if rng.random() < 0.12:  # the transfer arrived late: nothing this quarter, all of it the next
            received, owed = Decimal(0), received
        carried_in, available = carried, received + carried
        share = 0.03 + 0.65 * i / LAST + rng.uniform(-0.02, 0.15)
        spent = split_whole(rng, int(available * Decimal(min(share, 0.95))), len(DistrictReport.SPENT_FIELDS))
        carried = available - sum(spent)
        if status is None:
            continue
        report = _report(rng, district, i, status, allocation, received, carried_in, spent, curve)
        rows = {
            "villages": village_rows,
            "communes": [_commune_row(rng, c, i) for c in commune_ids],
            "trainings": _trainings(rng, i),
        }
        out.append((report, rows))
    targets = [
        DistrictPlanTarget(
            district=district,
            year=year,
            coverage_pct=Decimal(f"{min(100.0, curve[QUARTERS.index((year, 4))] + 4):.2f}"),
            odf_villages=sum(
                1
                for ps in plans.values()
                for p in ps
                for at, s, _d in p.odf_changes
                if s == OdfStatus.VERIFIED and QUARTERS[at][0] <= year
            )
            + 2,
            triggering_events=len(commune_ids) * 4,
            budget=Decimal(round(ALLOCATION[year] * size)),
        )
        for year in range(2016, 2026)
    ]
    return {"reports": out, "targets": targets}


def _report(rng, district, i, status, allocation, received, carried, spent, curve):
    year, quarter = QUARTERS[i]
    deadline = quarters.default_deadline(year, quarter)
    report = DistrictReport(district=district, status=status, is_demo=True)
    report.period_index = i
    if status != ReportStatus.DRAFT:
        late = rng.random() < 0.3 - 0.22 * i / LAST
        day = deadline + datetime.timedelta(days=rng.randint(1, 30) if late else -rng.randint(0, 14))
        report.submitted_at = _moment(day, rng)
        if status == ReportStatus.APPROVED:
            report.approved_at = _moment(day + datetime.timedelta(days=rng.randint(1, 20)), rng)
    attendance = rng.randint(12, 35)
    report.wg_meeting_held = rng.random() < 0.6 + 0.35 * i / LAST
    if report.wg_meeting_held:
        report.wg_meeting_date = _day_in(rng, i)
        report.wg_meeting_attendance = attendance
        report.wg_meeting_attendance_women = rng.randint(attendance // 5, attendance // 2)
    report.ft_annual_allocation, report.ft_received = allocation, received
    report.ft_carried_over = carried
    for name, amount in zip(DistrictReport.SPENT_FIELDS, spent, strict=False):
        setattr(report, name, Decimal(amount))
    report.active_suppliers, report.active_masons = rng.randint(1, 8), rng.randint(3, 25)
    report.achievements = (
        f"{SYNTHETIC_MARK}: generated by generate_national_dataset, not real figures. "
        f"District coverage about {curve[i]:.0f}%."
    )
    report.challenges = f"{SYNTHETIC_MARK}."
    report.support_needed = f"{SYNTHETIC_MARK}."
    report.next_quarter_plan = f"{SYNTHETIC_MARK}."
    return report


def _commune_row(rng, commune_id, i):
    # Triggering peaks in the CLTS roll-out years and tapers off as villages become ODF.
    events = rng.choices([0, 1, 2, 3], weights=[4 + i / 4, 4, 2, 1 - i / 60])[0]
    triggered = sum(rng.randint(15, 45) for _ in range(events))
    sessions = rng.randint(0, 4)
    reached = sum(rng.randint(10, 30) for _ in range(sessions))
    women, bcc_women = round(triggered * rng.uniform(0.5, 0.62)), round(reached * rng.uniform(0.5, 0.65))
    return (
        commune_id,
        events,
        women,
        triggered - women,
        sessions,
        bcc_women,
        reached - bcc_women,
        rng.randint(0, 2),
        Decimal(rng.randint(40, 200) + 10 * i),
        0,
    )


def _trainings(rng, i):
    rows = []
    for _ in range(rng.choices([0, 1, 2, 3], weights=[3 + i / 8, 4, 2, max(0.2, 2 - i / 10)])[0]):
        topic = rng.choice(TrainingTopic.values)
        levels = (rng.randint(0, 3), rng.randint(2, 8), rng.randint(4, 24), rng.randint(0, 30))
        rows.append(
            (topic, f"{SYNTHETIC_MARK}: {topic} training", *levels, rng.randint(sum(levels) // 4, sum(levels) * 3 // 5))
        )
    return rows


def _day_in(rng, i):
    first, last = quarters.quarter_bounds(*QUARTERS[i])
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _moment(day, rng):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(7, 17), rng.randint(0, 59))))


def _insert(model, fields, rows):
    """Insert tuples in `fields` order: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=False))) for row in rows], batch_size=2000)
        return
    columns = [model._meta.get_field(name.removesuffix("_id")).column for name in fields]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    with connection.cursor() as cursor:
        sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)"
        with cursor.cursor.copy(sql) as copy:
            copy.write(buffer.getvalue())
