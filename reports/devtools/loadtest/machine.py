"""How busy the machine was during the load test, and how much of it was the load test's own processes, so that a
reader can tell a slow portal from a machine shared with other work. Linux /proc only; plain Python.

  python -m reports.devtools.loadtest.machine snapshot FILE PID...   CPU time so far: the machine's, PostgreSQL's,
                                                                     and that of the given processes and descendants
"""

import json
import os
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def snapshot(roots: list[int]) -> dict:
    """Seconds of CPU used so far: by the machine ("busy" of "total", all cores), by the processes `roots` and their
    descendants ("ours"), and by PostgreSQL ("postgres": every database, other people's too)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields[:8]]  # user nice system idle iowait irq softirq steal
    idle = ticks[3] + ticks[4]
    processes = _processes()
    postmasters = [
        pid
        for pid, (name, parent, _cpu) in processes.items()
        if name == "postgres" and _name(processes, parent) != name
    ]
    return {
        "t": time.time(),
        "busy": (sum(ticks) - idle) / TICKS,
        "total": sum(ticks) / TICKS,
        "ours": _tree_cpu(processes, roots) / TICKS,
        "postgres": _tree_cpu(processes, postmasters) / TICKS,
    }


def describe(start: dict, end: dict, locust_seconds: float | None) -> str:
    """One sentence: the machine's load during the run and who used it."""
    cores = os.cpu_count() or 1
    wall = max(end["t"] - start["t"], 0.001)

    def share(seconds):
        return f"{100 * seconds / (wall * cores):.0f}%"

    busy = end["busy"] - start["busy"]
    portal, postgres = end["ours"] - start["ours"], end.get("postgres", 0) - start.get("postgres", 0)
    locust = locust_seconds or 0.0
    return (
        f"CPU during the run ({cores} cores, {wall:.0f} s): machine {share(busy)} busy; gunicorn and Celery "
        f"{share(portal)}, PostgreSQL (all databases) {share(postgres)}, Locust {share(locust)}, other processes "
        f"(other people's work) {share(max(busy - portal - postgres - locust, 0))}"
    )


def _processes() -> dict[int, tuple[str, int, int]]:
    """{pid: (name, parent pid, CPU ticks of the process and of its children it has reaped)}."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdecimal():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        rest = text.rpartition(")")[2].split()  # state, ppid, ..., utime [11], stime, cutime, cstime [14]
        found[int(entry.name)] = (name, int(rest[1]), sum(int(value) for value in rest[11:15]))
    return found


def _name(processes, pid):
    return processes[pid][0] if pid in processes else None


def _tree_cpu(processes, roots) -> int:
    """CPU ticks of `roots` and every running descendant (each also counts its reaped children)."""
    children: dict[int, list[int]] = {}
    for pid, (_name, parent, _cpu) in processes.items():
        children.setdefault(parent, []).append(pid)
    seen, todo, total = set(), [pid for pid in roots if pid in processes], 0
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            total += processes[pid][2]
            todo += children.get(pid, [])
    return total


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "snapshot":
        sys.exit(__doc__)
    Path(sys.argv[2]).write_text(json.dumps(snapshot([int(pid) for pid in sys.argv[3:]])))
