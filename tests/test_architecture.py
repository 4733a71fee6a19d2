"""The layout's rules, checked on the source: no import circles, and imports that follow the data's path.

reports/ is a ground (the report models, indicators, quarters, signals) and stages in the order the data
travels: entry → review → odf → rollups → dashboards → documents → exchange. A stage may import the ground and the
stages before it, never one after it (a later stage is set in motion through the ground: see
reports/signals.py). Development tools may import anything; nothing that ships imports them. Imports
inside functions count.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("districts", "drssd_portal", "reports")
STAGES = ("entry", "review", "odf", "rollups", "dashboards", "documents", "exchange")
# Wiring, not logic: the app config connects the stages' receivers; the URL list includes every stage's URLs;
# management commands are entry points (Django finds them only under reports/management/).
WIRING = {
    "reports.admin",
    "reports.apps",
    "reports.urls",
    "reports.management.commands.rebuild_rollups",
    "reports.management.commands.export_dhis2",
}


def _modules():
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


MODULES = _modules()


def _resolve(name):
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(name):
    """The project modules `name` imports, anywhere in its body."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_resolve(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(_resolve(f"{base}.{alias.name}") or _resolve(base))
    found.discard(None)
    found.discard(name)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _stage(name):
    """'devtools', a stage name, 'ground' (reports' own modules), or None outside reports/."""
    parts = name.split(".")
    if parts[0] != "reports":
        return None
    if len(parts) > 1 and parts[1] in (*STAGES, "devtools"):
        return parts[1]
    return "ground"


def _circles():
    """Every strongly connected group of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = _pop_group(stack, on_stack, node)
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return groups


def _pop_group(stack, on_stack, root):
    """Tarjan's step: pop the stack down to `root`; what is popped is one strongly connected group."""
    group = set()
    while root not in group:
        member = stack.pop()
        on_stack.discard(member)
        group.add(member)
    return group


def test_no_module_imports_another_that_imports_it_back():
    assert _circles() == []


@pytest.mark.parametrize("name", sorted(name for name in MODULES if _stage(name) in STAGES))
def test_a_stage_imports_only_the_ground_and_the_stages_before_it(name):
    allowed = set(STAGES[: STAGES.index(_stage(name)) + 1]) | {"ground", None}
    wrong = sorted(target for target in GRAPH[name] if _stage(target) not in allowed)
    assert wrong == [], f"{name} imports a later stage or the development tools"


@pytest.mark.parametrize("name", sorted(name for name in MODULES if _stage(name) == "ground" and name not in WIRING))
def test_the_ground_imports_no_stage(name):
    assert sorted(t for t in GRAPH[name] if _stage(t) not in ("ground", None)) == []


@pytest.mark.parametrize("name", sorted(name for name in MODULES if _stage(name) != "devtools"))
def test_nothing_that_ships_imports_the_development_tools(name):
    assert sorted(t for t in GRAPH[name] if _stage(t) == "devtools") == []


@pytest.mark.parametrize("name", sorted(name for name in MODULES if name.startswith("districts")))
def test_the_gazetteer_and_scoping_import_no_report_stage(name):
    """districts/ sits below reports/: at most its pages read the report ground (the open quarters)."""
    reports = sorted(t for t in GRAPH[name] if t.startswith("reports"))
    if name == "districts.views":
        reports = [t for t in reports if _stage(t) != "ground"]
    assert reports == []
