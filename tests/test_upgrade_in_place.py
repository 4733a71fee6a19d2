"""A production database made by the previous code layout upgrades in place to this one, losing nothing.

The previous layout's tree is exported with `git archive`; in subprocesses it migrates a fresh PostgreSQL
database, loads the demo and fills the tables the demo leaves empty. Every table's rows are then hashed
(over the columns that existed then), this tree migrates the same database, and every row must still be
there, the stored PDF must still open, and no migration may be missing.
"""

import collections
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The last commit of the flat reports/ layout (models.py, rollup_models.py, pdf_models.py, ... side by side),
# before its modules moved into reports/entry, review, rollups, dashboards, documents and devtools.
PREVIOUS_LAYOUT = "107d2a7"
REPO = Path(__file__).resolve().parent.parent
# Rows the upgrade may add (new migrations, content types and permissions of new models, and the stale marks of
# rollups built before carry-forward, which reports migration 0009 leaves for the periodic repair); none may go.
MAY_GROW = {"django_migrations", "django_content_type", "auth_permission", "reports_stalerollup"}

pytestmark = pytest.mark.slow

# Run by `manage.py shell` in the previous tree after load_demo: a row in each table the demo leaves empty.
SEED = """
import hashlib, json
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from districts.demo import DEMO_PASSWORD
from districts.models import Commune, Province, UserProfile, Village
from reports import workflow
from reports.models import (CommuneQuarter, DistrictReport, MissingDistrict, PdfState, ProvincialReport, ReportEvent,
                            ReportingPeriod, ReviewComment, StaleRollup, StoredPdf, Training, VillageQuarter)
reviewer, mrd, dso = (User.objects.get(username=n) for n in ("pdrd_kspeu", "mrd_national", "dso_thpong"))
period = ReportingPeriod.objects.get(year=2019, quarter=2)
report = DistrictReport.objects.get(district__code="0508", period=period)
workflow.reopen_report(report=report, by=reviewer, reason="Upgrade check")  # event, history, e-mail, rebuild
ReviewComment.objects.create(report=report, round=1, target="district:achievements", target_label="Achievements",
                             text="Upgrade check", author=reviewer)
for row in (CommuneQuarter.objects.filter(report=report).first(), VillageQuarter.objects.filter(report=report).first(),
            Training.objects.first()):
    row.save()  # a history row each
provincial = ProvincialReport.objects.create(province=Province.objects.get(code="05"), period=period,
                                             achievements="Upgrade", challenges="check")
MissingDistrict.objects.create(provincial_report=provincial, district=report.district, reason="Reopened")
ReportEvent.objects.create(provincial_report=provincial, action="submitted", from_status="draft",
                           to_status="submitted", by=reviewer)
StaleRollup.objects.create(district=report.district, period=period, marked_at=timezone.now())
for model in (Province, Commune, Village):
    first, second = model.objects.order_by("code")[:2]
    first.successors.add(second)
permission, group = Permission.objects.get(codename="view_districtreport"), Group.objects.create(name="upgrade")
group.permissions.add(permission)
mrd.groups.add(group)
mrd.user_permissions.add(permission)
UserProfile.objects.create(user=dso, language="en")
LogEntry.objects.create(user=mrd, content_type=ContentType.objects.get_for_model(DistrictReport),
                        object_id=str(report.pk), object_repr=str(report), action_flag=ADDITION, change_message="[]")
client = Client(HTTP_HOST="localhost")  # axes attempt and failure log, then access log and session
client.post(reverse("login"), {"username": "pa_kspeu", "password": "wrong"})
assert client.post(reverse("login"), {"username": "mrd_national", "password": DEMO_PASSWORD}).status_code == 302
attempt = AccessAttempt.objects.get()  # the failure log and expiry are off in settings: rows made by hand
AccessAttemptExpiration.objects.create(access_attempt=attempt, expires_at=timezone.now())
AccessFailureLog.objects.create(username="pa_kspeu", ip_address="127.0.0.1", user_agent="", path_info="/")
content = b"%PDF-1.4\\n% upgrade check\\n%%EOF\\n"
pdf = StoredPdf(kind="provincial", unit_code="05", period=period, data_state="approved", language="en",
                state_key="0" * 64, state=PdfState.READY, size_bytes=len(content), requested_by=reviewer)
pdf.file.save("document.pdf", ContentFile(content), save=True)
print("RESULT:" + json.dumps({"pk": pdf.pk, "sha256": hashlib.sha256(content).hexdigest()}))
"""

# Run by `manage.py shell` in this tree after the upgrade: the stored PDF opens through the new code.
READ_PDF = """
import hashlib, json
from django.apps import apps
pdf = apps.get_model("reports", "StoredPdf").objects.get(pk=%d)
with pdf.file.open("rb") as f:
    print("RESULT:" + json.dumps({"sha256": hashlib.sha256(f.read()).hexdigest(), "state": pdf.state}))
"""


def _server_url():
    """DATABASE_URL if it names PostgreSQL; otherwise skip, or fail in CI (CI=true), which must run this check."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        message = "the upgrade check needs PostgreSQL: set DATABASE_URL=postgres://..."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return url


def _connect(url, dbname):
    """An autocommit psycopg connection to database `dbname` on the server of `url`."""
    import psycopg

    connection = psycopg.connect(
        urlsplit(url)._replace(path="/" + dbname).geturl(), connect_timeout=5, cursor_factory=psycopg.ClientCursor
    )
    connection.autocommit = True
    return connection


@contextlib.contextmanager
def _fresh_database(url):
    """A new, uniquely named database on the PostgreSQL server of `url` (its URL and name), dropped afterwards."""
    import psycopg

    name = f"drssd_upgrade_{os.getpid()}"
    try:
        server = _connect(url, "postgres")
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is unreachable at {urlsplit(url).netloc}: {error}", pytrace=False)
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(url)._replace(path="/" + name).geturl(), name
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def _manage(tree, env, *args):
    """Run `python manage.py *args` in `tree` with `env`; fail with its output if it fails. Returns stdout."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=tree, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode:
        pytest.fail(f"manage.py {' '.join(args)} in {tree} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return done.stdout


def _shell(tree, env, script):
    """Run `script` with `manage.py shell -c` in `tree`; returns the JSON it printed after RESULT:."""
    stdout = _manage(tree, env, "shell", "-c", script)
    return json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT:"))[len("RESULT:") :])


def _columns(connection):
    """{table: [column, ...]} of every table in schema public, columns in table order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
            "ORDER BY c.table_name, c.ordinal_position"
        )
        tables = collections.defaultdict(list)
        for table, column in cursor.fetchall():
            tables[table].append(column)
    return dict(tables)


def _row_hashes(connection, columns):
    """{table: Counter of md5 of each row over `columns[table]`}: the exact row count and content of each table."""
    hashes = {}
    with connection.cursor() as cursor:
        for table, names in columns.items():
            quoted = ", ".join(f'"{name}"' for name in names)
            row = f"ROW({quoted})::text"
            cursor.execute(f'SELECT md5({row}) FROM "{table}"')
            hashes[table] = collections.Counter(h for (h,) in cursor.fetchall())
    return hashes


def _with_psycopg2(env, tmp):
    """The previous layout's code streams rollup rows with psycopg2's copy_expert: its runs get psycopg2 (a test
    dependency) by hiding psycopg 3 from Django, which then falls back to psycopg2."""
    hide = tmp / "hide-psycopg3"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text('import sys\nsys.modules["psycopg"] = None\n')
    return {**env, "PYTHONPATH": str(hide)}


def _subprocess_env(database_url, media_root):
    """The environment of the manage.py runs: this database and media root, no Redis (eager Celery), DEBUG unset."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG", "PYTHONPATH", "DJANGO_SETTINGS_MODULE")
    }
    return {**env, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root), "PYTHONDONTWRITEBYTECODE": "1"}


def _losses(columns, before, connection):
    """What the upgrade lost, by table: the table, columns, or rows missing or changed (or added, where no row
    may be added); and the columns of every table now."""
    now = _columns(connection)
    losses = {
        t: "table gone" if t not in now else f"columns gone: {sorted(set(names) - set(now[t]))}"
        for t, names in columns.items()
        if set(names) - set(now.get(t, []))
    }
    after = _row_hashes(connection, {t: names for t, names in columns.items() if t not in losses})
    for table, rows in after.items():
        lost, added = before[table] - rows, rows - before[table]
        if lost or (added and table not in MAY_GROW):
            losses[table] = f"{before[table].total()} rows before, {rows.total()} after, {lost.total()} lost or changed"
    return losses, now


def test_database_of_previous_layout_upgrades_in_place(capsys):
    """Previous tree: migrate, load_demo, seed, hash every row. This tree: migrate, compare, open the PDF."""
    started = time.monotonic()
    with (
        _fresh_database(_server_url()) as (database_url, name),
        tempfile.TemporaryDirectory(prefix="drssd-upgrade-") as tmp,
    ):
        old_tree, media = Path(tmp, "previous"), Path(tmp, "media")
        old_tree.mkdir()
        archive = subprocess.run(
            f"git -C '{REPO}' archive {PREVIOUS_LAYOUT} | tar -x -C '{old_tree}'",
            shell=True,
            capture_output=True,
            text=True,
        )
        assert archive.returncode == 0, f"cannot export {PREVIOUS_LAYOUT} (a shallow clone?): {archive.stderr}"
        env = _subprocess_env(database_url, media)
        old_env = _with_psycopg2(env, Path(tmp))

        _manage(old_tree, old_env, "migrate", "--no-input", "-v0")
        demo = _manage(old_tree, old_env, "load_demo").strip().splitlines()[-1]
        seeded = _shell(old_tree, old_env, SEED)
        connection = _connect(database_url, name)
        columns = _columns(connection)
        before = _row_hashes(connection, columns)
        prepared = time.monotonic()

        migrated = _manage(REPO, env, "migrate", "--no-input")
        plan = _manage(REPO, env, "showmigrations", "--plan")
        unapplied = [line for line in plan.splitlines() if line.startswith("[ ]")]
        assert not unapplied, f"migrations not applied after the upgrade: {unapplied}"
        losses, columns_now = _losses(columns, before, connection)
        connection.close()
        assert not losses, f"the upgrade lost data: {losses}"
        opened = _shell(REPO, env, READ_PDF % seeded["pk"])
        assert opened == {"sha256": seeded["sha256"], "state": "ready"}, opened
        _manage(REPO, env, "makemigrations", "--check", "--dry-run")  # fails, listing them, if a migration is missing

    applied = [line.strip() for line in migrated.splitlines() if line.strip().startswith("Applying")]
    empty = sorted(t for t, rows in before.items() if not rows)
    with capsys.disabled():  # into the CI log even when the test passes
        print(
            f"\nUpgrade in place from {PREVIOUS_LAYOUT}: {demo}\n"
            f"  {len(before)} tables, {sum(r.total() for r in before.values())} rows compared row by row; "
            f"new tables: {sorted(set(columns_now) - set(columns)) or 'none'}; "
            f"new migrations: {applied or 'none'}; empty before the upgrade: {empty or 'none'}\n"
            f"  stored PDF {seeded['pk']} opens; no missing migrations; "
            f"{prepared - started:.0f} s to prepare, {time.monotonic() - prepared:.0f} s to upgrade and compare"
        )
