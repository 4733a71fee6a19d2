"""The figures a simulated DSO types into a commune page: plain functions over the page's field values.

Values are strings, as a browser posts them, keyed by field name without the formset prefix. The figures pass
the entry rules (reports/entry/validation.py): the four household groups add up to the total, IDPoor within
households, nothing above the total. They raise no plausibility warning against last quarter either (the total
stays, coverage moves by a few points), except an ODF village that still has open defecation, which the DSO
explains as the portal asks. Plain Python (no Django): the Locust processes import it.
"""

import random

# The model's field lists (reports.models.VillageQuarter, CommuneQuarter), spelled out so that Locust need not
# set Django up; tests/reports/devtools/test_loadtest.py checks that they still match.
COUNT_FIELDS = [
    "households_total",
    "hh_improved_own",
    "hh_improved_shared",
    "hh_unimproved",
    "hh_open_defecation",
    "idpoor_households",
    "idpoor_improved",
    "latrines_built",
    "hh_handwashing",
]
STOCK_FIELDS = [name for name in COUNT_FIELDS if name != "latrines_built"]
HOUSEHOLD_GROUPS = ["hh_improved_own", "hh_improved_shared", "hh_unimproved", "hh_open_defecation"]
ACTIVITY_FIELDS = [
    "triggering_events",
    "triggering_women",
    "triggering_men",
    "bcc_sessions",
    "bcc_women",
    "bcc_men",
    "cwg_meetings",
    "commune_budget",
]
VILLAGE_FIELDS = [*COUNT_FIELDS, "odf_status", "odf_status_date", "explanation"]
ODF_STATES = ("declared", "verified")
EXPLANATION = "LOAD TEST: the village was declared ODF; a few households fell back and are being followed up."

Values = dict[str, str]


def count(text: str | None) -> int | None:
    """A count as the page shows it ("1,234", "12"), or None when empty or not a whole number."""
    cleaned = (text or "").replace(",", "").strip()
    return int(cleaned) if cleaned.isdecimal() else None


def commune_page(form: Values, rng: random.Random, correcting: bool = False) -> Values:
    """The commune page's form (every field as shown) with this quarter's figures typed into each village row
    ("villages-N-field") and the commune's activities ("activities-field"); `correcting`: a second look."""
    typing = correction if correcting else first_entry
    typed = dict(form)
    for name in form:
        head, _dash, rest = name.partition("-")
        index, _dash, field = rest.partition("-")
        if head == "villages" and index.isdecimal() and field == "households_total":
            shown = {f: form.get(f"villages-{index}-{f}", "") for f in VILLAGE_FIELDS}
            typed.update({f"villages-{index}-{f}": v for f, v in typing(shown, rng).items()})
    shown = {name: form.get(f"activities-{name}", "") for name in ACTIVITY_FIELDS}
    typed.update({f"activities-{name}": value for name, value in activities(shown, rng).items()})
    return typed


def first_entry(shown: Values, rng: random.Random) -> Values:
    """This quarter's figures of one village row: the pre-filled stock of last quarter with a few households
    moving from open defecation to a latrine of their own, or fresh figures when the row is empty."""
    numbers = {name: count(shown.get(name)) for name in COUNT_FIELDS}
    numbers = _progress(numbers, rng) if _consistent(numbers) else fresh_village(rng)
    status = shown.get("odf_status") or rng.choice(["not_triggered", "triggered"])
    return _as_posted(numbers, status, shown)


def correction(shown: Values, rng: random.Random) -> Values:
    """A second look at a saved row: one household more or less with a handwashing place (within the total)."""
    numbers = {name: count(shown.get(name)) for name in COUNT_FIELDS}
    if not _consistent(numbers) or numbers["latrines_built"] is None:
        return first_entry(shown, rng)
    total, handwashing = numbers["households_total"], numbers["hh_handwashing"]
    numbers["hh_handwashing"] = max(0, min(total, handwashing + rng.choice([-1, 1])))
    return _as_posted(numbers, shown.get("odf_status") or "triggered", shown)


def explained(shown: Values) -> Values:
    """The row as shown, with the explanation a DSO writes under a plausibility warning."""
    return {**shown, "explanation": shown.get("explanation") or EXPLANATION}


def fresh_village(rng: random.Random) -> dict[str, int]:
    """Figures for a village with no row last quarter."""
    total = rng.randint(40, 450)
    own = round(total * rng.uniform(0.2, 0.6))
    shared = round(total * rng.uniform(0.02, 0.1))
    unimproved = round(total * rng.uniform(0.05, 0.15))
    idpoor = round(total * rng.uniform(0.1, 0.3))
    return {
        "households_total": total,
        "hh_improved_own": own,
        "hh_improved_shared": shared,
        "hh_unimproved": unimproved,
        "hh_open_defecation": total - own - shared - unimproved,
        "idpoor_households": idpoor,
        "idpoor_improved": round(idpoor * rng.uniform(0.1, 0.5)),
        "latrines_built": rng.randint(0, 5),
        "hh_handwashing": round(total * rng.uniform(0.4, 0.8)),
    }


def activities(shown: Values, rng: random.Random) -> Values:
    """The commune's activities this quarter: kept when already entered, else typed in."""
    if all(shown.get(name, "").strip() for name in ACTIVITY_FIELDS):
        return {name: shown[name] for name in ACTIVITY_FIELDS}
    events, sessions = rng.choice([0, 1, 1, 2, 3]), rng.randint(0, 4)
    triggered = sum(rng.randint(15, 45) for _ in range(events))
    reached = sum(rng.randint(10, 30) for _ in range(sessions))
    women, bcc_women = round(triggered * rng.uniform(0.5, 0.62)), round(reached * rng.uniform(0.5, 0.65))
    typed = [events, women, triggered - women, sessions, bcc_women, reached - bcc_women, rng.randint(0, 2)]
    return {**dict(zip(ACTIVITY_FIELDS, map(str, typed), strict=False)), "commune_budget": str(rng.randint(40, 300))}


def _consistent(numbers: dict[str, int | None]) -> bool:
    """Every stock figure is there and they obey the entry rules."""
    if any(numbers[name] is None for name in STOCK_FIELDS):
        return False
    total = numbers["households_total"]
    assert total is not None
    groups = [numbers[name] or 0 for name in HOUSEHOLD_GROUPS]
    idpoor, idpoor_improved = numbers["idpoor_households"] or 0, numbers["idpoor_improved"] or 0
    within = all((numbers[name] or 0) <= total for name in STOCK_FIELDS)
    return total > 0 and sum(groups) == total and within and idpoor_improved <= idpoor


def _progress(numbers: dict[str, int | None], rng: random.Random) -> dict[str, int]:
    """Up to 4% of the households leave open defecation for a latrine of their own this quarter."""
    out = {name: value or 0 for name, value in numbers.items()}
    total = out["households_total"]
    built = rng.randint(0, min(out["hh_open_defecation"], max(1, total // 25)))
    out["hh_open_defecation"] -= built
    out["hh_improved_own"] += built
    out["latrines_built"] = min(total, out["latrines_built"] + built)
    out["idpoor_improved"] = min(out["idpoor_households"], out["idpoor_improved"] + rng.randint(0, built))
    out["hh_handwashing"] = min(total, out["hh_handwashing"] + rng.randint(0, built))
    return out


def _as_posted(numbers: dict[str, int], status: str, shown: Values) -> Values:
    posted = {name: str(numbers[name]) for name in COUNT_FIELDS}
    posted["odf_status"] = status
    posted["odf_status_date"] = shown.get("odf_status_date", "")
    posted["explanation"] = shown.get("explanation", "")
    if status in ODF_STATES and numbers["hh_open_defecation"]:
        posted["explanation"] = posted["explanation"] or EXPLANATION
    return posted
