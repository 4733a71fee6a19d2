"""The load test's printed result: a table of requests/s and p50/p95/p99 per action from Locust's CSV files, the
targets met or missed, and the one summary line runs are compared by. Plain Python, no Django."""

import csv
from dataclasses import dataclass
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
