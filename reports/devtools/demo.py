"""Demo quarterly reports for a first run: the DRSSD pilot from 2016 Q1 to 2019 Q3, made up but plausible.

The figures follow the 2019 National Learning Event report (reference/national-learning-event-report-2019.txt)
where it gives them: the pilot districts (seven in Kampong Speu, five in Tbong Khmum, three in Kampong Chhnang);
Thpong's coverage from a 29% baseline to 64%; Dambae's from 44% (2016) to 64.61% (2019) with 12 ODF villages;
Ou Reang Ov at 81% in June 2019; 700 USD of functional-transfer budget per district and year, about 10% of it
used in Phase I (2016-17) and 60% in Phase II (2018-19). The rest is drawn from random.Random(2019) within
plausible ranges: every load gives the same figures, and every village row passes reports.entry.validation with no
warning. 2016 Q1-2019 Q2 are approved; four districts have a 2019 Q3 draft, but not Thpong or Dambae, whose
demo DSOs can open that quarter themselves. Never load this on a production server.
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from districts.models import District, Village
from reports import indicators, quarters
from reports.devtools.village_plans import ODF, VillagePlan
from reports.models import (
    CommuneQuarter,
    DistrictPlanTarget,
    DistrictReport,
    NationalSettings,
    OdfStatus,
    ReportingPeriod,
    ReportStatus,
    Training,
    TrainingTopic,
    VillageQuarter,
)

SEED = 2019
QUARTERS = [(year, quarter) for year in range(2016, 2020) for quarter in (1, 2, 3, 4)]
LAST_APPROVED = QUARTERS.index((2019, 2))
DRAFT = LAST_APPROVED + 1  # 2019 Q3
# District code -> coverage (%) in 2016 Q1 and in 2019 Q2, from the reference report where it has them;
# Ou Reang Ov's baseline is not reported. None: drawn (a start of 25-50%, a rise of 12-25 points).
PILOT_DISTRICTS = {
    "0501": None,
    "0502": None,
    "0503": None,
    "0504": None,
    "0506": None,
    "0507": None,
    "0508": (29.0, 64.0),
    "2501": (44.0, 64.61),
    "2502": None,
    "2503": None,
    "2504": (48.0, 81.0),
    "2505": None,
    "0401": None,
    "0405": None,
    "0406": None,
}
VERIFIED_BY_2019_Q2 = {"2501": 12}
DRAFT_DISTRICTS = {"2502", "2503", "2505", "0401"}
ANNUAL_ALLOCATION, QUARTERLY_TRANSFER = 700, 175
# A village gains at most this share of its households per quarter: coverage never jumps 20 points.
MAX_GAIN = 0.15

CHALLENGES = [
    "Poor households (IDPoor 1) cannot afford a latrine.",
    "The budget arrived late; activities waited.",
    "Few latrine suppliers and masons serve remote communes.",
    "Pits are hard to dig in flooded villages.",
]
SUPPORT = [
    "Transfer the functional-transfer budget on time.",
    "Refresher training on CLTS and BCC for the communes.",
    "PDRD support to verify the declared ODF villages.",
    "More budget: 700 USD a year is not enough.",
]
PLANS = [
    "Follow up the triggered villages with the commune working groups.",
    "Prepare the ODF verifications.",
    "Trigger the remaining villages; BCC sessions in the lagging communes.",
    "Meet suppliers about prices.",
]
TRAINING_DETAILS = {
    TrainingTopic.CLTS: "CLTS triggering refresher",
    TrainingTopic.BCC: "BCC tools for focal points",
    TrainingTopic.DATA_ENTRY: "Village data collection and entry",
    TrainingTopic.FACILITATION: "Facilitation skills",
    TrainingTopic.OTHER: "Mason orientation",
}


@dataclass
class DemoSummary:
    reports: int = 0
    village_rows: int = 0
    commune_rows: int = 0
    trainings: int = 0


@transaction.atomic
def load_demo_reports():
    """Create the demo periods, reports and plan targets; returns a DemoSummary of what was created.

    Idempotent: if any demo report exists, nothing changes (an empty summary). Needs the gazetteer loaded.
    """
    summary = DemoSummary()
    if DistrictReport.objects.filter(is_demo=True).exists():
        return summary
    districts = District.objects.in_bulk(list(PILOT_DISTRICTS), field_name="code")
    missing = sorted(set(PILOT_DISTRICTS) - set(districts))
    if missing:
        raise LookupError(f"Load the gazetteer first: pilot districts {', '.join(missing)} are missing.")
    NationalSettings.current()
    periods = _ensure_periods()
    rng = random.Random(SEED)
    rows = {VillageQuarter: [], CommuneQuarter: [], Training: []}
    for code in PILOT_DISTRICTS:
        summary.reports += _load_district(rng, districts[code], periods, rows)
    for model, objects in rows.items():
        model.objects.bulk_create(objects, batch_size=1000)
    summary.village_rows, summary.commune_rows, summary.trainings = (len(rows[m]) for m in rows)
    return summary


def _ensure_periods():
    return {
        i: ReportingPeriod.objects.get_or_create(
            year=year,
            quarter=quarter,
            defaults={"deadline": quarters.default_deadline(year, quarter), "is_open": i > LAST_APPROVED},
        )[0]
        for i, (year, quarter) in enumerate(QUARTERS)
    }


def _load_district(rng, district, periods, rows):
    """Build one district's reports with their rows (added to `rows`); returns how many reports it created."""
    communes = list(district.communes.active().order_by("code"))
    villages = Village.objects.active().filter(commune__in=communes).order_by("code").values_list("id", "commune_id")
    verified = VERIFIED_BY_2019_Q2.get(district.code) or round(len(villages) * rng.uniform(0.05, 0.15))
    plans = _plan_villages(rng, villages, verified)
    curve = _coverage_curve(rng, PILOT_DISTRICTS[district.code])
    last = DRAFT if district.code in DRAFT_DISTRICTS else LAST_APPROVED
    improved = _improved_by_quarter(rng, plans, curve, last)
    # A report someone already made for a pilot district is left alone.
    taken = set(district.reports.values_list("period_id", flat=True))
    created, carried = 0, 0
    for i in range(last + 1):
        draft = i == DRAFT
        entered = {c.id for c in (rng.sample(communes, (len(communes) + 1) // 2) if draft else communes)}
        village_rows = [
            _village_row(plan, i, improved[i][n], improved[i - 1][n] if i else None)
            for n, plan in enumerate(plans)
            if plan.commune_id in entered
        ]
        commune_rows = [CommuneQuarter(commune=c, **_commune_activities(rng)) for c in communes if c.id in entered]
        if periods[i].id in taken:
            continue
        section = {}
        if not draft:  # money not spent is carried over to the next quarter of the same year
            section, carried = _district_section(
                rng, i, 0 if QUARTERS[i][1] == 1 else carried, village_rows, commune_rows
            )
        if not draft:
            section.update(_review_dates(district, periods[i]))
        report = DistrictReport.objects.create(
            district=district,
            period=periods[i],
            is_demo=True,
            **section,
            status=ReportStatus.DRAFT if draft else ReportStatus.APPROVED,
        )
        for row in village_rows + commune_rows:
            row.report = report
        rows[VillageQuarter] += village_rows
        rows[CommuneQuarter] += commune_rows
        rows[Training] += [] if draft else _trainings(rng, report)
        created += 1
    _plan_targets(rng, district, curve, plans, len(communes))
    return created


def _review_dates(district, period):
    """When an approved demo report was submitted (mostly by the deadline, some late) and approved.

    Its own random stream, so the figures above do not depend on it.
    """
    rng = random.Random(f"{district.code}-{period.year}-{period.quarter}")
    submitted = datetime.datetime.combine(
        period.deadline + datetime.timedelta(days=rng.randint(-10, 6)),
        datetime.time(10, 0),
        tzinfo=timezone.get_current_timezone(),
    )
    return {"submitted_at": submitted, "approved_at": submitted + datetime.timedelta(days=rng.randint(2, 14))}


def _plan_villages(rng, villages, verified):
    """Traits and ODF paths; the `verified` villages most ahead are verified ODF by 2019 Q2, a few more declared."""
    plans = [
        VillagePlan(
            village_id=village_id,
            commune_id=commune_id,
            households=rng.randint(60, 310),
            growth=rng.uniform(0.003, 0.008),
            offset=rng.gauss(0, 12),
            shared=rng.uniform(0.05, 0.15),
            open_defecation=rng.uniform(0.55, 0.9),
            idpoor=rng.uniform(0.15, 0.25),
            idpoor_gap=rng.uniform(0.02, 0.06),
            handwashing=rng.uniform(0.7, 0.95),
        )
        for village_id, commune_id in villages
    ]
    declared_only = max(1, len(plans) // 20)
    # The smallest commune's villages come first when they fit in `verified`: the demo then has a whole commune
    # verified (certified, ODF, with its commune certificate: demo_odf.py); the rest are those most ahead.
    sizes = Counter(plan.commune_id for plan in plans)
    whole = min(sizes, key=lambda commune_id: (sizes[commune_id], commune_id), default=None)
    if whole is not None and sizes[whole] > verified:
        whole = None
    for rank, plan in enumerate(sorted(plans, key=lambda p: (p.commune_id != whole, -p.offset))):
        verify = declare = None
        if rank < verified:
            verify = rng.randint(4, LAST_APPROVED)
            declare = verify - rng.randint(1, 2)
        elif rank < verified + declared_only:
            declare = rng.randint(6, DRAFT + 2)
        trigger = max(0, declare - rng.randint(1, 3)) if declare is not None else rng.randint(0, 18)
        for at, status in zip((trigger, declare, verify), (OdfStatus.TRIGGERED, *ODF), strict=False):
            if at is not None and at <= DRAFT:
                plan.odf_changes.append((at, status, _day_in(rng, at)))
    return plans


def _coverage_curve(rng, figures):
    """District coverage (%) for every quarter of QUARTERS: a steady rise, exact at 2016 Q1 and 2019 Q2."""
    if figures is None:
        start = rng.uniform(25, 50)
        figures = (start, start + rng.uniform(12, 25))
    start, end = figures
    slope = (end - start) / LAST_APPROVED  # at least 0.9 points a quarter, so the noise never makes it fall
    curve = [start + slope * i + (rng.uniform(-0.3, 0.3) if 0 < i < LAST_APPROVED else 0) for i in range(len(QUARTERS))]
    return [min(pct, 97.0) for pct in curve]


def _improved_by_quarter(rng, plans, curve, last):
    """Improved households per village for quarters 0..last, summing exactly to round(coverage x households)."""
    series, before = [], None
    for i in range(last + 1):
        households = [plan.households_at(i) for plan in plans]
        target = round(curve[i] * sum(households) / 100)
        if before is None:
            low, high = [0] * len(plans), households
            guess = [
                round(h * min(max(curve[0] + plan.offset, 3), 97) / 100)
                for h, plan in zip(households, plans, strict=True)
            ]
        else:
            low = before
            high = [min(h, b + int(MAX_GAIN * h)) for h, b in zip(households, before, strict=False)]
            rate = (target - sum(before)) / max(1, sum(households) - sum(before))
            guess = [
                min(top, b + round((h - b) * rate * rng.uniform(0.4, 1.6)))
                for h, b, top in zip(households, before, high, strict=False)
            ]
        before = _adjust(rng, guess, low, high, target)
        series.append(before)
    return series


def _adjust(rng, values, low, high, target):
    """Move values within [low, high] until they sum to target, spreading the change over all of them."""
    gap = target - sum(values)
    if gap > 0:
        room = [top - v for v, top in zip(values, high, strict=True)]
    else:
        room = [v - bottom for v, bottom in zip(values, low, strict=True)]
    if abs(gap) > sum(room):
        raise ValueError("demo coverage target out of reach")  # MAX_GAIN leaves ample room
    if not gap:
        return values
    # Shares in proportion to each value's room, rounded down; the remainder one by one to values with room left.
    shares = [abs(gap) * r // sum(room) for r in room]
    short = [n for n, (share, r) in enumerate(zip(shares, room, strict=False)) if share < r]
    for n in rng.sample(short, abs(gap) - sum(shares)):
        shares[n] += 1
    return [v + (share if gap > 0 else -share) for v, share in zip(values, shares, strict=False)]


def _village_row(plan, i, improved, before):
    return VillageQuarter(village_id=plan.village_id, **plan.figures(i, improved, before, fade_quarters=40))


def _commune_activities(rng):
    events, sessions = rng.choice([0, 0, 1, 1, 2, 3]), rng.randint(0, 4)
    triggered = sum(rng.randint(15, 40) for _ in range(events))
    reached = sum(rng.randint(10, 30) for _ in range(sessions))
    women, bcc_women = round(triggered * rng.uniform(0.5, 0.6)), round(reached * rng.uniform(0.5, 0.6))
    return {
        "triggering_events": events,
        "triggering_women": women,
        "triggering_men": triggered - women,
        "bcc_sessions": sessions,
        "bcc_women": bcc_women,
        "bcc_men": reached - bcc_women,
        "cwg_meetings": rng.randint(0, 2),
        "commune_budget": Decimal(rng.randint(50, 400)),
    }


def _district_section(rng, i, carried, village_rows, commune_rows):
    """The district's own section of an approved report, and what it carries over to the next quarter."""
    year = QUARTERS[i][0]
    available = QUARTERLY_TRANSFER + carried
    # Spending these shares of what is available each quarter uses ~10% of the year's 700 USD in Phase I, ~60% in II.
    used = rng.uniform(0.02, 0.07) if year <= 2017 else rng.uniform(0.25, 0.45)
    spent = split_whole(rng, int(available * used), len(DistrictReport.SPENT_FIELDS))
    attendance = rng.randint(15, 30)
    coverage = indicators.sanitation_coverage(
        improved_own=sum(r.hh_improved_own for r in village_rows),
        improved_shared=sum(r.hh_improved_shared for r in village_rows),
        total=sum(r.households_total for r in village_rows),
    )
    verified = sum(r.odf_status == OdfStatus.VERIFIED for r in village_rows)
    events = sum(r.triggering_events for r in commune_rows)
    section = {
        "wg_meeting_held": True,
        "wg_meeting_date": _day_in(rng, i),
        "wg_meeting_attendance": attendance,
        "wg_meeting_attendance_women": rng.randint(attendance // 5, attendance // 2),
        "ft_annual_allocation": Decimal(ANNUAL_ALLOCATION),
        "ft_carried_over": Decimal(carried),
        "ft_received": Decimal(QUARTERLY_TRANSFER),
        "active_suppliers": rng.randint(2, 6),
        "active_masons": rng.randint(5, 20),
        "achievements": f"Sanitation coverage reached {coverage:.1f}%, with {verified} villages verified ODF; "
        f"the communes held {events} CLTS triggering events. (demo)",
        "challenges": f"{rng.choice(CHALLENGES)} (demo)",
        "support_needed": f"{rng.choice(SUPPORT)} (demo)",
        "next_quarter_plan": f"{rng.choice(PLANS)} (demo)",
    }
    section.update({name: Decimal(amount) for name, amount in zip(DistrictReport.SPENT_FIELDS, spent, strict=False)})
    return section, available - sum(spent)


def _trainings(rng, report):
    trainings = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        topic = rng.choice(list(TRAINING_DETAILS))
        levels = {
            "participants_provincial": rng.randint(0, 3),
            "participants_district": rng.randint(2, 8),
            "participants_commune": rng.randint(4, 20),
            "participants_village": rng.randint(0, 25),
        }
        total = sum(levels.values())
        trainings.append(
            Training(
                report=report,
                topic=topic,
                topic_detail=f"{TRAINING_DETAILS[topic]} (demo)",
                women=rng.randint(total // 4, total * 3 // 5),
                **levels,
            )
        )
    return trainings


def _plan_targets(rng, district, curve, plans, communes):
    """District Sanitation Plan targets, a little ahead of what each year actually reached."""
    for year in range(2016, 2020):
        year_end = QUARTERS.index((year, 4))
        verified = sum(
            status == OdfStatus.VERIFIED and at <= year_end for plan in plans for at, status, _day in plan.odf_changes
        )
        DistrictPlanTarget.objects.get_or_create(
            district=district,
            year=year,
            defaults={
                "coverage_pct": Decimal(f"{min(100.0, curve[year_end] + rng.uniform(3, 6)):.2f}"),
                "odf_villages": verified + rng.randint(1, 4),
                # About what the communes trigger in a year (0-3 events a quarter each).
                "triggering_events": communes * rng.randint(4, 6),
                "budget": Decimal(ANNUAL_ALLOCATION),
            },
        )


def split_whole(rng, total, parts):
    """A random split of a whole number into `parts` whole numbers (some may be 0)."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=False)]


def _day_in(rng, i):
    first, last = quarters.quarter_bounds(*QUARTERS[i])
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))
