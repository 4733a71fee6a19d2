"""python manage.py check_loadtest watch|report: the database side of the quarter-end load test (scripts/loadtest.sh).

`watch` runs beside Locust and writes one JSON line a second: whether the quarter's rollups are fresh (no stale
mark, rows equal to the reports). `report` runs after Locust: it checks for lost saves, takes the time from the
last approval until the rollups were fresh (from the watch file, or by watching on), prints the per-action
table from Locust's CSV files and ends with the one summary line runs are compared by. Exit status 0 when every
target is met, 1 when one is missed.
"""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db.models import Count

from reports.devtools.loadtest import checks, machine, summary
from reports.models import DistrictReport, ReportEvent, ReportingPeriod, WorkflowAction


class Command(BaseCommand):
    help = "Watch the rollups during the quarter-end load test (watch), or check and print its result (report)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["watch", "report"])
        parser.add_argument("--accounts", required=True, help="The accounts file of prepare_loadtest.")
        parser.add_argument("--watch-file", required=True, help="JSON lines: written by watch, read by report.")
        parser.add_argument("--records", help="report: the directory of the Locust processes' records.")
        parser.add_argument("--stats", help="report: Locust's --csv prefix.")
        parser.add_argument("--wait", type=float, default=300, help="report: seconds to wait for fresh rollups.")
        parser.add_argument("--interval", type=float, default=1.0, help="watch: seconds between two looks.")

    def handle(self, *args, action, accounts, watch_file, **options):
        period_of = json.loads(Path(accounts).read_text(encoding="utf-8"))["period"]
        period = ReportingPeriod.objects.get(year=period_of["year"], quarter=period_of["quarter"])
        if action == "watch":
            self._watch(period, Path(watch_file), options["interval"])
        else:
            self._report(period, Path(watch_file), Path(options["records"]), options["stats"], options["wait"])

    def _watch(self, period, path, interval):
        known = None
        with path.open("a", encoding="utf-8", buffering=1) as stream:
            while True:
                sample = _sample(period, known)
                known = sample
                stream.write(json.dumps(sample) + "\n")
                time.sleep(interval)

    def _report(self, period, watch_file, records, stats_prefix, wait):
        out = self.stdout.write
        stats = summary.read_stats(stats_prefix)
        exceptions = summary.read_exceptions(stats_prefix)
        for line in summary.table(stats):
            out(line)
        for occurrences, name, error in summary.read_failures(stats_prefix)[:10]:
            out(f"  failure x{occurrences}  {name}: {error}")
        for count, message in exceptions[:10]:
            out(f"  exception x{count} in the Locust file: {message}")

        saves = checks.read_records(records, "saves")
        conflicts = checks.read_records(records, "conflicts")
        lost = checks.lost_saves(period, saves)
        out(f"Saves the portal confirmed: {len(saves)}; edit conflicts (saved again, not errors): {len(conflicts)}")
        for line in lost[:10]:
            out(f"  LOST: {line}")
        states = dict(
            DistrictReport.objects.filter(period=period).values_list("status").annotate(n=Count("id")).order_by()
        )
        out(
            f"Reports of {period.year}Q{period.quarter} now: "
            + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        )

        cpu = _cpu_account(records)
        if cpu:
            out(cpu)
        fresh_after, waited, approvals = _freshness(period, watch_file, wait)
        outcome = summary.Outcome(
            errors=summary.errors(stats, exceptions),
            lost_saves=len(lost),
            p95_save=summary.p95(stats, ["commune save"]),
            p95_dashboard=summary.p95(stats, summary.DASHBOARDS),
            fresh_after=fresh_after,
            approvals=approvals,
            waited=waited,
        )
        missed = outcome.missed()
        out(f"Approvals during the run: {approvals}. p95 dashboard: the worst of the three dashboard levels.")
        out("Targets: all met." if not missed else "Targets MISSED: " + "; ".join(missed))
        login_burst = summary.burst(checks.read_records(records, "requests"))
        for line in login_burst.lines() if login_burst else ["burst p95 other pages n/a (no login recorded)"]:
            out(line)
        out(outcome.line())
        sys.exit(1 if missed else 0)


def _sample(period, known):
    """{"t", "stale", "fingerprint", "last_event", "fresh"}; the rows are compared again only after a change."""
    stale = checks.stale_marks(period)
    statuses, last_event = checks.fingerprint(period)
    fingerprint = repr(statuses)
    unchanged = known and known["fresh"] and (known["fingerprint"], known["last_event"]) == (fingerprint, last_event)
    fresh = not stale and (bool(unchanged) or not checks.rollup_mismatches(period))
    return {"t": time.time(), "stale": stale, "fingerprint": fingerprint, "last_event": last_event, "fresh": fresh}


def _freshness(period, watch_file, wait):
    """(seconds from the last approval until the rollups were fresh, or None; seconds waited; approvals)."""
    approvals = ReportEvent.objects.filter(report__period=period, action=WorkflowAction.APPROVED)
    last = approvals.order_by("-at", "-id").first()
    if last is None:
        return None, 0.0, 0
    since = last.at.timestamp()
    # A look counts only if it saw the approval itself (its latest event is at least the approval's).
    lines = watch_file.read_text(encoding="utf-8").splitlines() if watch_file.exists() else []
    samples = [json.loads(line) for line in lines if line.strip()]
    seen = [s["t"] for s in samples if s["fresh"] and (s["last_event"] or 0) >= last.pk]
    known, stop = (samples[-1] if samples else None), time.time() + wait
    while not seen and time.time() < stop:
        sample = _sample(period, known)
        if sample["fresh"] and (sample["last_event"] or 0) >= last.pk:
            seen.append(sample["t"])
        known = sample
        time.sleep(0 if seen else 1)
    return (seen[0] - since if seen else None), time.time() - since, approvals.count()


def _cpu_account(records):
    """The CPU sentence of machine.describe, from the snapshots loadtest.sh took around Locust ("" without them)."""
    start, end = records / "cpu-start.json", records / "cpu-end.json"
    if not (start.exists() and end.exists()):
        return ""
    locust = sum(json.loads(path.read_text())["seconds"] for path in records.glob("locust-cpu-*.json"))
    return machine.describe(json.loads(start.read_text()), json.loads(end.read_text()), locust)
