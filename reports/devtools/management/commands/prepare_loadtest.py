"""python manage.py prepare_loadtest --accounts PATH: the people and reports of the quarter-end load scenario.

Run on the load test's own database after generate_national_dataset (scripts/loadtest.sh does both). It opens the
quarter after the synthetic history with today as its deadline, so last quarter's figures are pre-filled as in a
real quarter, and creates:
- DSOs on districts spread over every province, each with a draft report whose district section is written and
  whose communes are partly entered (a seeded random number of communes is left, none to all: some DSOs submit
  in their first minute, others are still typing when the run ends);
- one PDRD reviewer per province; dashboard viewers, MRD and PDRD in turn;
- for the accounts that need two-step login, a confirmed TOTP authenticator with a known key;
and it moves a national target year that is already past to 2030, as the strategy restated it.
Every account shares one password; the password, keys and work plan go to the --accounts file (mode 600),
which the Locust file reads. Never on a production database: it refuses one that holds real reports.
"""

import datetime
import json
import os
import random
import secrets
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from districts.models import Assignment, Commune, District, Province, Village
from districts.roles import MFA_ROLES, Role
from reports import quarters
from reports.devtools import synthetic
from reports.devtools.loadtest import figures
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    NationalSettings,
    ReportingPeriod,
    ReportStatus,
    VillageQuarter,
)
from reports.rollups import build as rollup

PREFIX = "load_"
RESTATED_TARGET_YEAR = 2030


class Command(BaseCommand):
    help = (
        "Create the DSOs, PDRD reviewers and dashboard viewers of the quarter-end load test with their draft "
        "reports, and write their accounts (one password, TOTP keys) to --accounts. Load-test databases only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", required=True, help="Where to write the accounts file (JSON, mode 600).")
        parser.add_argument("--dsos", type=int, default=200)
        parser.add_argument("--reviewers", type=int, default=25, help="One per province, at most 25.")
        parser.add_argument("--viewers", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, accounts, dsos, reviewers, viewers, seed, **options):
        try:
            synthetic.check_allowed()
        except synthetic.SyntheticDataRefused as refusal:
            raise CommandError(str(refusal)) from None
        if get_user_model().objects.filter(username__startswith=PREFIX).exists():
            raise CommandError("This database already has load-test accounts: run it on a fresh database.")
        provinces = list(Province.objects.active().order_by("code"))
        if not 0 < reviewers <= len(provinces):
            raise CommandError(f"--reviewers must be 1 to {len(provinces)}, one per province.")
        districts = _spread_districts(dsos, provinces[:reviewers])
        if len(districts) < dsos:
            raise CommandError(f"The reviewers' provinces have only {len(districts)} active districts.")
        password = secrets.token_urlsafe(18)
        with transaction.atomic():
            period = _open_quarter()
            target_year = _restated_target(period)
            people = _people(districts, provinces[:reviewers], viewers, make_password(password))
            plan = _reports(period, districts, people["dsos"], seed)
        rollup.rebuild_period(period.pk)  # the quarter has rollup rows, as any open quarter after a submission
        document = {
            "password": password,
            "period": {"year": period.year, "quarter": period.quarter},
            "dsos": plan,
            "reviewers": [_account(user, province=p.code) for user, p in people["reviewers"]],
            "viewers": [_viewer(user, unit, districts) for user, unit in people["viewers"]],
        }
        _write_private(Path(accounts), document)
        left = sum(len(d["left"]) for d in plan)
        self.stdout.write(
            f"Load test: quarter {period.year}Q{period.quarter} (deadline {period.deadline}, national target year "
            f"{target_year}), {len(plan)} DSOs with "
            f"{left} communes left to enter, {len(people['reviewers'])} reviewers, {len(people['viewers'])} viewers; "
            f"accounts in {accounts}."
        )


def _spread_districts(count, provinces):
    """`count` active districts taken from each of the reviewers' provinces in turn, so each reviewer has reports to
    review and every report has a reviewer."""
    by_province = {}
    districts = District.objects.active().filter(province__in=provinces).select_related("province")
    for district in districts.order_by("province__code", "code"):
        by_province.setdefault(district.province_id, []).append(district)
    queues, chosen = list(by_province.values()), []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda d: d.code)


def _open_quarter():
    """The quarter after the last one with reports, open, due today (the last hours before the deadline)."""
    last = ReportingPeriod.objects.filter(district_reports__isnull=False).order_by("-year", "-quarter").first()
    year, quarter = quarters.next_quarter(last.year, last.quarter) if last else quarters.quarter_of(timezone.now())
    period, _created = ReportingPeriod.objects.update_or_create(
        year=year, quarter=quarter, defaults={"deadline": timezone.localdate(), "is_open": True}
    )
    return period


def _restated_target(period):
    """The national target year as the MRD would have it by then: the 2014 strategy's 2025 was restated as 2030.
    A ministry keeps no target year that is already past, so the dashboards are measured as they would be read."""
    national = NationalSettings.current()
    if national.target_year < period.year:
        national.target_year = max(RESTATED_TARGET_YEAR, period.year + 1)
        national.save(update_fields=["target_year"])
    return national.target_year


def _people(districts, provinces, viewers, password_hash):
    """{"dsos": [user], "reviewers": [(user, province)], "viewers": [(user, province or None)]}, with assignments
    and, for the roles that need two-step login, authenticators."""
    User = get_user_model()
    wanted = [(f"{PREFIX}dso_{d.code}", Role.DSO, {"district": d}) for d in districts]
    wanted += [(f"{PREFIX}pdrd_{p.code}", Role.PDRD_REVIEWER, {"province": p}) for p in provinces]
    for i in range(viewers):
        national = i % 2 == 0 or not provinces
        unit = {} if national else {"province": provinces[(i // 2) % len(provinces)]}
        wanted.append((f"{PREFIX}view_{i:02d}", Role.MRD_NATIONAL if national else Role.PDRD_REVIEWER, unit))
    users = User.objects.bulk_create(
        [
            User(username=name, first_name="Load", last_name=name.removeprefix(PREFIX), password=password_hash)
            for name, _role, _unit in wanted
        ]
    )
    Assignment.objects.bulk_create(
        [Assignment(user=user, role=role, **unit) for user, (_n, role, unit) in zip(users, wanted, strict=True)]
    )
    for user, (_name, role, _unit) in zip(users, wanted, strict=True):
        user.totp_key = _authenticator(user) if role in MFA_ROLES else None
    reviewers = users[len(districts) : len(districts) + len(provinces)]
    return {
        "dsos": users[: len(districts)],
        "reviewers": list(zip(reviewers, provinces, strict=True)),
        "viewers": [(user, unit.get("province")) for user, (_n, _r, unit) in zip(users, wanted, strict=True)][
            len(districts) + len(provinces) :
        ],
    }


def _authenticator(user):
    """A confirmed TOTP device with a known key (hex), as if the person had scanned the QR code; None when the
    portal has no two-step login installed."""
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return None
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, key=key)
    return key


def _reports(period, districts, dsos, seed):
    """A draft report per district (district section written, some communes entered); returns the work plan."""
    first_day = period.bounds[0]
    previous = _previous_rows(period, districts)
    plan, communes_done, village_rows = [], [], []
    for district, dso in zip(districts, dsos, strict=True):
        rng = random.Random(f"{seed}:{district.code}")
        report = _draft(period, district, dso, rng)
        communes = list(Commune.objects.active_on(first_day).filter(district=district).order_by("code"))
        left = communes[len(communes) - rng.randint(0, len(communes)) :]
        for commune in communes[: len(communes) - len(left)]:
            record = CommuneQuarter(report=report, commune=commune, version=1, updated_by=dso)
            record.updated_at = timezone.now() - datetime.timedelta(days=rng.randint(1, 20))
            for name, value in figures.activities({}, rng).items():
                setattr(record, name, Decimal(value) if name == "commune_budget" else int(value))
            record._history_user = dso
            communes_done.append(record)
            for village in Village.objects.active_on(first_day).filter(commune=commune).order_by("code"):
                village_rows.append(_village_row(report, village, previous.get(village.pk), dso, rng))
        plan.append(
            _account(dso, district=district.code, communes=[c.code for c in communes], left=[c.code for c in left])
        )
    bulk_create_with_history(communes_done, CommuneQuarter, batch_size=1000)
    bulk_create_with_history(village_rows, VillageQuarter, batch_size=2000)
    return plan


def _previous_rows(period, districts):
    """{village id: last quarter's row} for the districts' villages."""
    before = period.previous()
    if before is None:
        return {}
    rows = VillageQuarter.objects.filter(report__period=before, village__commune__district__in=districts)
    return {row.village_id: row for row in rows}


def _draft(period, district, dso, rng):
    """The district's draft, its own section written earlier in the quarter (the load is on the commune pages)."""
    first, _last = period.bounds
    received = Decimal(rng.randint(300, 600))
    spent = [Decimal(rng.randint(0, int(received) // 12)) for _ in DistrictReport.SPENT_FIELDS]  # half at most
    report = DistrictReport(
        district=district,
        period=period,
        status=ReportStatus.DRAFT,
        is_demo=True,
        wg_meeting_held=True,
        wg_meeting_date=first + datetime.timedelta(days=rng.randint(5, 80)),
        wg_meeting_attendance=rng.randint(12, 35),
        wg_meeting_attendance_women=rng.randint(3, 11),
        ft_annual_allocation=received * 4,
        ft_carried_over=Decimal(0),
        ft_received=received,
        active_suppliers=rng.randint(1, 8),
        active_masons=rng.randint(3, 25),
        achievements=f"{synthetic.SYNTHETIC_MARK}: quarter-end load test (prepare_loadtest), not real figures.",
        challenges=f"{synthetic.SYNTHETIC_MARK}.",
        support_needed=f"{synthetic.SYNTHETIC_MARK}.",
        next_quarter_plan=f"{synthetic.SYNTHETIC_MARK}.",
        version=1,
        updated_by=dso,
        updated_at=timezone.now() - datetime.timedelta(days=rng.randint(1, 20)),
    )
    for name, amount in zip(DistrictReport.SPENT_FIELDS, spent, strict=True):
        setattr(report, name, amount)
    report._history_user = dso
    return bulk_create_with_history([report], DistrictReport)[0]


def _village_row(report, village, before, dso, rng):
    """A village row entered as the load test's DSOs enter them: last quarter's figures moved on a little."""
    shown = {name: "" if before is None else str(getattr(before, name) or "") for name in figures.COUNT_FIELDS}
    shown["latrines_built"] = ""  # a flow, not carried over
    shown["odf_status"] = before.odf_status if before else ""
    typed = figures.first_entry(shown, rng)
    row = VillageQuarter(report=report, village=village, explanation=typed["explanation"])
    for name in figures.COUNT_FIELDS:
        setattr(row, name, int(typed[name]))
    row.odf_status = typed["odf_status"]
    row.odf_status_date = before.odf_status_date if before and before.odf_status == row.odf_status else None
    row._history_user = dso
    return row


def _account(user, **work):
    return {"username": user.username, "totp_key": getattr(user, "totp_key", None), **work}


def _viewer(user, province, districts):
    """A dashboard viewer: the nation's, or one province's, with the districts it may open."""
    if province is None:
        return _account(
            user,
            national=True,
            provinces=sorted({d.province.code for d in districts}),
            districts=[d.code for d in districts],
        )
    mine = [d.code for d in districts if d.province_id == province.pk]
    return _account(user, national=False, provinces=[province.code], districts=mine)


def _write_private(path, document):
    """The accounts file, readable by its owner only (it holds the password and the TOTP keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1)
