"""The load test's printed result: a table of requests/s and p50/p95/p99 per action from Locust's CSV files, the
targets met or missed, and the one summary line runs are compared by. Plain Python, no Django."""

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

# The table's rows, in the order people meet them; anything else Locust recorded follows.
ACTIONS = [
    "login page",
    "login",
    "login (two-step code)",
    "report page (DSO)",
    "commune page",
    "commune save",
    "submit",
    "review queue",
    "report read",
    "approve",
    "dashboard district",
    "dashboard provincial",
    "dashboard national",
]
DASHBOARDS = ["dashboard district", "dashboard provincial", "dashboard national"]
TOTAL = "Aggregated"
TARGET_SAVE_MS, TARGET_DASHBOARD_MS, TARGET_FRESH_S = 500, 300, 60
# The quarter-end morning: everyone logs in within the first 30 s (scripts/loadtest.sh spreads the starts so).
LOGINS = {"login page", "login", "login (two-step code)"}
TARGET_BURST_MS = 1000  # p95 of every other request while the logins are going on
TARGETS_AFTER_BURST_MS = {"commune save": 200, "commune page": 250, "dashboard": 200}


@dataclass
class Outcome:
    """What one run measured; None where there was nothing to measure."""

    errors: int
    lost_saves: int
    p95_save: int | None
    p95_dashboard: int | None
    fresh_after: float | None  # seconds from the last approval; None: not fresh within the wait, or no approval
    approvals: int
    waited: float = 0.0  # seconds from the last approval to the end of the wait, when not fresh

    def missed(self) -> list[str]:
        """The targets this run missed (empty: all met)."""
        checks = [
            (self.errors == 0, f"errors {self.errors} (target 0)"),
            (self.lost_saves == 0, f"lost saves {self.lost_saves} (target 0)"),
            (
                self.p95_save is not None and self.p95_save <= TARGET_SAVE_MS,
                f"p95 save (target <= {TARGET_SAVE_MS} ms)",
            ),
            (
                self.p95_dashboard is not None and self.p95_dashboard <= TARGET_DASHBOARD_MS,
                f"p95 dashboard (target <= {TARGET_DASHBOARD_MS} ms)",
            ),
            (
                self.fresh_after is not None and self.fresh_after <= TARGET_FRESH_S,
                f"rollups fresh (target <= {TARGET_FRESH_S} s after the last approval)",
            ),
        ]
        return [label for met, label in checks if not met]

    def line(self) -> str:
        """The summary line: errors 0, lost saves 0, p95 save 312 ms, p95 dashboard 120 ms, rollups fresh after 14 s"""
        if self.fresh_after is not None:
            fresh = f"rollups fresh after {self.fresh_after:.{0 if self.fresh_after >= 10 else 1}f} s"
        else:
            fresh = (
                f"rollups NOT fresh after {self.waited:.0f} s"
                if self.approvals
                else "rollups fresh after n/a (no approval)"
            )
        return (
            f"errors {self.errors}, lost saves {self.lost_saves}, p95 save {_ms(self.p95_save)}, "
            f"p95 dashboard {_ms(self.p95_dashboard)}, {fresh}"
        )


@dataclass
class Burst:
    """The login burst, from the timeline of requests (each {"t": start, "name", "ms"}): from the first login
    request to the end of the last, the p95 of every other request started in between, and after it the p95 of
    the actions a DSO and a viewer wait for."""

    seconds: float
    logins: int
    others: int
    p95_others: int | None
    after: dict[str, int | None] = field(default_factory=dict)

    def missed(self) -> list[str]:
        checks = [
            (
                self.p95_others is not None and self.p95_others <= TARGET_BURST_MS,
                f"burst p95 other pages (target <= {TARGET_BURST_MS} ms)",
            )
        ]
        for action, target in TARGETS_AFTER_BURST_MS.items():
            value = self.after.get(action)
            checks.append(
                (value is not None and value <= target, f"after the burst p95 {action} (target <= {target} ms)")
            )
        return [label for met, label in checks if not met]

    def lines(self) -> list[str]:
        after = ", ".join(f"{action} {_ms(self.after.get(action))}" for action in TARGETS_AFTER_BURST_MS)
        missed = self.missed()
        return [
            f"Login burst: {self.logins} login requests over {self.seconds:.0f} s, {self.others} other requests "
            "started meanwhile.",
            f"After the burst, p95: {after}.",
            "Quarter-end morning targets: all met."
            if not missed
            else "Quarter-end morning targets MISSED: " + "; ".join(missed),
            f"burst p95 other pages {_ms(self.p95_others)}",
        ]


def burst(timeline: list[dict]) -> Burst | None:
    """The login burst of a run (None: no login in the timeline). A dashboard's p95 is the worst of its levels."""
    logins = [r for r in timeline if r["name"] in LOGINS]
    if not logins:
        return None
    start = min(r["t"] for r in logins)
    end = max(r["t"] + r["ms"] / 1000 for r in logins)
    during = [r["ms"] for r in timeline if r["name"] not in LOGINS and start <= r["t"] <= end]
    later = [r for r in timeline if r["t"] > end]
    after = {}
    for action in TARGETS_AFTER_BURST_MS:
        names = DASHBOARDS if action == "dashboard" else [action]
        values = [percentile([r["ms"] for r in later if r["name"] == name], 95) for name in names]
        values = [value for value in values if value is not None]
        after[action] = max(values) if values else None
    return Burst(end - start, len(logins), len(during), percentile(during, 95), after)


def percentile(values: list[float], share: float) -> int | None:
    """The nearest-rank percentile (ms, rounded); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)])


def read_stats(prefix: str) -> dict[str, dict[str, str]]:
    """{action: Locust's row} from <prefix>_stats.csv (the total row under "Aggregated")."""
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8", newline="") as stream:
        return {row["Name"]: row for row in csv.DictReader(stream)}


def read_failures(prefix: str) -> list[tuple[int, str, str]]:
    """[(occurrences, action, error)] from <prefix>_failures.csv, most frequent first."""
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as stream:
        rows = [(int(row["Occurrences"]), row["Name"], row["Error"]) for row in csv.DictReader(stream)]
    return sorted(rows, reverse=True)


def read_exceptions(prefix: str) -> list[tuple[int, str]]:
    """[(count, message)] of the exceptions raised in the Locust file itself (its own bugs count as errors)."""
    path = Path(f"{prefix}_exceptions.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as stream:
        return [(int(row["Count"]), row["Message"]) for row in csv.DictReader(stream)]


def table(stats: dict[str, dict[str, str]]) -> list[str]:
    """The per-action table: requests, requests/s, p50/p95/p99 and max (ms), failures."""
    names = [name for name in ACTIONS if name in stats] + sorted(set(stats) - set(ACTIONS) - {TOTAL})
    width = max(len(name) for name in [*names, "action"])
    header = (
        f"{'action':<{width}}  {'requests':>8}  {'req/s':>6}  {'p50':>6}  {'p95':>6}  {'p99':>6}  {'max':>6}  errors"
    )
    lines = [header, "-" * len(header)]
    for name in [*names, TOTAL] if TOTAL in stats else names:
        row = stats[name]
        lines.append(
            f"{'all' if name == TOTAL else name:<{width}}  {int(row['Request Count']):>8}  "
            f"{float(row['Requests/s']):>6.2f}  {_cell(row['50%'])}  {_cell(row['95%'])}  {_cell(row['99%'])}  "
            f"{_cell(row['Max Response Time'])}  {int(row['Failure Count'])}"
        )
    lines.append("(times in ms; a save is the POST and the page it redirects to, as the DSO waits for both)")
    return lines


def p95(stats: dict[str, dict[str, str]], names: list[str]) -> int | None:
    """The worst p95 among these actions (ms); None if none of them ran."""
    values = [_number(stats[name]["95%"]) for name in names if name in stats]
    values = [value for value in values if value is not None]
    return max(values) if values else None


def errors(stats: dict[str, dict[str, str]], exceptions: list[tuple[int, str]]) -> int:
    total = stats.get(TOTAL)
    return (int(total["Failure Count"]) if total else 0) + sum(count for count, _message in exceptions)


def _number(text: str) -> int | None:
    try:
        return round(float(text))
    except ValueError:
        return None  # "N/A"


def _cell(text: str) -> str:
    value = _number(text)
    return f"{'n/a' if value is None else value:>6}"


def _ms(value: int | None) -> str:
    return "n/a" if value is None else f"{value} ms"
