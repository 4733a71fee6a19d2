"""The rules for quarterly data (reports/validation.py): good and bad values for each."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reports.entry import validation
from reports.models import DistrictReport

CATEGORIES = validation.HOUSEHOLD_CATEGORIES


def village(**values):
    """A consistent village (100 households) with some fields replaced."""
    base = {
        "households_total": 100,
        "hh_improved_own": 40,
        "hh_improved_shared": 10,
        "hh_unimproved": 30,
        "hh_open_defecation": 20,
        "idpoor_households": 25,
        "idpoor_improved": 10,
        "latrines_built": 5,
        "hh_handwashing": 60,
        "odf_status": "triggered",
    }
    base.update(values)
    return base


def in_khmer(call):
    with translation.override("km"):
        return call()


def in_english(call):
    with translation.override("en"):
        return call()


# --- parse_count ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 1,200 ", 1200),
        ("1 200", 1200),
        ("0", 0),
        ("12.0", 12),
        ("007", 7),
        (12, 12),
        ("១២", 12),  # Khmer digits, as typed on a Khmer keyboard
    ],
)
def test_parse_count_accepts_whole_non_negative_numbers(raw, expected):
    assert validation.parse_count(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_parse_count_empty_means_not_entered(raw):
    assert validation.parse_count(raw) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1.5", "not_whole"),
        ("0.1", "not_whole"),
        ("-3", "negative"),
        ("-0.5", "not_whole"),
        ("abc", "not_a_number"),
        ("12a", "not_a_number"),
        ("1.2.3", "not_a_number"),
    ],
)
def test_parse_count_refuses_what_is_not_a_count(raw, code):
    with pytest.raises(ValidationError) as caught:
        validation.parse_count(raw)
    assert caught.value.code == code


def test_parse_count_accepts_up_to_the_largest_count():
    assert validation.parse_count(str(validation.MAX_COUNT)) == validation.MAX_COUNT
    assert validation.parse_count("1e3") == 1000


@pytest.mark.parametrize("raw", [str(validation.MAX_COUNT + 1), "99999999999", "1e20"])
def test_parse_count_refuses_a_count_too_large_for_the_database(raw):
    with pytest.raises(ValidationError) as caught:
        in_english(lambda: validation.parse_count(raw))
    assert caught.value.code == "too_large"
    assert caught.value.messages == [f"{raw} is too large for a count."]


@pytest.mark.parametrize("raw", ["Infinity", "inf", "NaN", "sNaN"])
def test_parse_count_refuses_infinity_and_nan_as_not_a_number(raw):
    # Decimal() parses these words; they must be refused like any other text, not crash (OverflowError
    # from int(Infinity), InvalidOperation from comparing sNaN) into a server error.
    with pytest.raises(ValidationError) as caught:
        validation.parse_count(raw)
    assert caught.value.code == "not_a_number"


def test_parse_count_not_whole_message_names_the_typed_value():
    with pytest.raises(ValidationError) as caught:
        in_english(lambda: validation.parse_count("1.5"))
    assert "1.5" in caught.value.messages[0]


@pytest.mark.parametrize("raw", ["1.5", "-3", "abc", "999999999999"])
def test_parse_count_messages_are_translated(raw):
    def message():
        try:
            validation.parse_count(raw)
        except ValidationError as error:
            return error.messages[0]

    assert in_khmer(message) != in_english(message)


# --- village_errors ------------------------------------------------------------------------------


def test_consistent_village_has_no_errors():
    assert validation.village_errors(village()) == {}


def test_categories_must_add_up_to_the_total():
    errors = in_english(lambda: validation.village_errors(village(households_total=101)))
    assert list(errors) == ["households_total"]
    assert "add up to 100, but the total is 101" in errors["households_total"][0]


def test_categories_adding_up_to_more_than_total_is_an_error():
    errors = validation.village_errors(village(hh_unimproved=31))
    assert "households_total" in errors


def test_categories_sum_is_not_checked_until_all_four_are_entered():
    assert validation.village_errors(village(hh_open_defecation=None)) == {}
    assert validation.village_errors(village(households_total=None)) == {}


@pytest.mark.parametrize("field", [*CATEGORIES, "latrines_built", "hh_handwashing"])
def test_a_category_latrines_built_or_handwashing_cannot_exceed_the_total(field):
    values = {"households_total": 50, field: 51}
    errors = in_english(lambda: validation.village_errors(values))
    assert list(errors) == [field]
    assert errors[field] == ["51 is more than the 50 households of the village."]


@pytest.mark.parametrize("field", [*CATEGORIES, "latrines_built", "hh_handwashing"])
def test_a_category_latrines_built_or_handwashing_equal_to_the_total_is_fine(field):
    assert validation.village_errors({"households_total": 50, field: 50}) == {}


def test_idpoor_cannot_exceed_all_households():
    errors = in_english(lambda: validation.village_errors(village(idpoor_households=101, idpoor_improved=0)))
    assert list(errors) == ["idpoor_households"]
    assert "(101)" in errors["idpoor_households"][0] and "(100)" in errors["idpoor_households"][0]
    assert validation.village_errors(village(idpoor_households=100, idpoor_improved=0)) == {}


def test_idpoor_with_latrine_cannot_exceed_idpoor():
    errors = validation.village_errors(village(idpoor_households=25, idpoor_improved=26))
    assert list(errors) == ["idpoor_improved"]
    assert validation.village_errors(village(idpoor_households=25, idpoor_improved=25)) == {}


def test_idpoor_with_latrine_is_checked_without_a_total():
    errors = validation.village_errors({"idpoor_households": 3, "idpoor_improved": 4})
    assert list(errors) == ["idpoor_improved"]


def test_empty_fields_are_skipped():
    assert validation.village_errors({}) == {}
    assert validation.village_errors({field: None for field in village()}) == {}
    # A category without a total, or a total without categories, cannot be checked yet.
    assert validation.village_errors({"hh_improved_own": 999}) == {}
    assert validation.village_errors({"households_total": 0, "hh_improved_own": None}) == {}
    assert validation.village_errors({"idpoor_households": 999, "households_total": None}) == {}


def test_several_errors_are_all_reported():
    errors = validation.village_errors(
        {
            "households_total": 10,
            "hh_improved_own": 11,
            "hh_improved_shared": 0,
            "hh_unimproved": 0,
            "hh_open_defecation": 0,
            "latrines_built": 12,
        }
    )
    assert set(errors) == {"households_total", "hh_improved_own", "latrines_built"}


def test_village_error_messages_are_translated():
    bad = village(households_total=101, latrines_built=500, idpoor_households=200, idpoor_improved=201)
    english = in_english(lambda: validation.village_errors(bad))
    khmer = in_khmer(lambda: validation.village_errors(bad))
    assert set(english) == set(khmer) == {"households_total", "latrines_built", "idpoor_households", "idpoor_improved"}
    for field in english:
        assert khmer[field] != english[field], field


counts = st.integers(min_value=0, max_value=10**6)


@given(categories=st.lists(counts, min_size=4, max_size=4))
def test_total_equal_to_sum_of_categories_never_gives_a_total_error(categories):
    values = dict(zip(CATEGORIES, categories, strict=True), households_total=sum(categories))
    assert "households_total" not in validation.village_errors(values)


@given(categories=st.lists(counts, min_size=4, max_size=4), total=counts)
def test_total_different_from_sum_of_categories_always_gives_a_total_error(categories, total):
    values = dict(zip(CATEGORIES, categories, strict=True), households_total=total)
    assert ("households_total" in validation.village_errors(values)) == (total != sum(categories))


@given(data=st.data())
def test_idpoor_within_bounds_never_errors(data):
    total = data.draw(counts)
    idpoor = data.draw(st.integers(min_value=0, max_value=total))
    improved = data.draw(st.integers(min_value=0, max_value=idpoor))
    values = {"households_total": total, "idpoor_households": idpoor, "idpoor_improved": improved}
    assert validation.village_errors(values) == {}


@given(total=counts, idpoor=counts, improved=counts)
def test_idpoor_out_of_bounds_always_errors(total, idpoor, improved):
    errors = validation.village_errors(
        {"households_total": total, "idpoor_households": idpoor, "idpoor_improved": improved}
    )
    assert ("idpoor_households" in errors) == (idpoor > total)
    assert ("idpoor_improved" in errors) == (improved > idpoor)


# --- participants_error ----------------------------------------------------------------------------


def test_women_cannot_outnumber_participants():
    message = in_english(lambda: validation.participants_error(women=13, participants=12))
    assert message == "Women (13) cannot be more than all participants (12)."


@pytest.mark.parametrize(("women", "participants"), [(12, 12), (0, 12), (0, 0), (None, 12), (5, None)])
def test_women_up_to_participants_or_not_entered_is_fine(women, participants):
    assert validation.participants_error(women=women, participants=participants) is None


def test_participants_message_is_translated():
    def message():
        return validation.participants_error(women=3, participants=2)

    assert in_khmer(message) != in_english(message)


# --- budget_error -----------------------------------------------------------------------------------


def test_spending_more_than_received_plus_carried_over_is_an_error():
    message = in_english(
        lambda: validation.budget_error(spent=Decimal("1500.50"), received=Decimal("1000"), carried_over=Decimal("500"))
    )
    assert message == (
        "Spending this quarter (1,500.50 USD) is more than the budget received plus carried over (1,500.00 USD)."
    )


@pytest.mark.parametrize(
    ("spent", "received", "carried_over"),
    [
        (Decimal("1500"), Decimal("1000"), Decimal("500")),  # exactly what was available
        (Decimal("0"), None, None),
        (Decimal("300"), None, Decimal("300")),
        (Decimal("300"), Decimal("300"), None),
        (None, Decimal("0"), None),  # nothing spent entered yet
        (None, None, None),
    ],
)
def test_spending_within_the_budget_or_not_entered_is_fine(spent, received, carried_over):
    assert validation.budget_error(spent=spent, received=received, carried_over=carried_over) is None


def test_spending_anything_with_nothing_received_or_carried_is_an_error():
    assert validation.budget_error(spent=Decimal("0.01"), received=None, carried_over=None) is not None


def test_budget_message_is_translated():
    def message():
        return validation.budget_error(spent=Decimal("2"), received=Decimal("1"), carried_over=None)

    assert in_khmer(message) != in_english(message)


money = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)


@given(data=st.data())
def test_spending_up_to_received_plus_carried_over_never_errors(data):
    received = data.draw(st.none() | money)
    carried_over = data.draw(st.none() | money)
    spent = data.draw(st.decimals(min_value=0, max_value=(received or 0) + (carried_over or 0), places=2))
    assert validation.budget_error(spent=spent, received=received, carried_over=carried_over) is None


@given(spent=money, received=st.none() | money, carried_over=st.none() | money)
def test_spending_over_received_plus_carried_over_always_errors(spent, received, carried_over):
    over = spent > (received or 0) + (carried_over or 0)
    assert (validation.budget_error(spent=spent, received=received, carried_over=carried_over) is not None) == over


# --- village_warnings ------------------------------------------------------------------------------


def codes(warnings):
    return [w.code for w in warnings]


@pytest.mark.parametrize("status", ["declared", "verified"])
def test_odf_village_with_open_defecation_warns(status):
    warnings = in_english(lambda: validation.village_warnings(village(odf_status=status, hh_open_defecation=3)))
    assert codes(warnings) == ["odf_with_open_defecation"]
    assert warnings[0].field == "hh_open_defecation"
    assert "3 households still practise open defecation" in warnings[0].message


@pytest.mark.parametrize(
    ("status", "od"), [("declared", 0), ("verified", None), ("triggered", 20), ("not_triggered", 20), ("", 20)]
)
def test_no_odf_warning_without_both_odf_status_and_open_defecation(status, od):
    assert validation.village_warnings(village(odf_status=status, hh_open_defecation=od)) == []


def test_coverage_jump_of_more_than_20_points_warns():
    before = village(hh_improved_own=30, hh_improved_shared=0)  # 30%
    after = village(hh_improved_own=51, hh_improved_shared=0)  # 51%
    warnings = in_english(lambda: validation.village_warnings(after, before))
    assert codes(warnings) == ["coverage_jump"]
    assert warnings[0].field == "hh_improved_own"
    assert "from 30% to 51%" in warnings[0].message


def test_coverage_drop_of_more_than_20_points_warns():
    before = village(hh_improved_own=60, hh_improved_shared=10)  # 70%
    after = village(hh_improved_own=39, hh_improved_shared=10)  # 49%
    assert codes(validation.village_warnings(after, before)) == ["coverage_jump"]


@pytest.mark.parametrize("after_own", [50, 10])
def test_coverage_change_of_exactly_20_points_does_not_warn(after_own):
    before = village(hh_improved_own=30, hh_improved_shared=0)  # 30%
    after = village(hh_improved_own=after_own, hh_improved_shared=0)  # 50% or 10%
    assert validation.village_warnings(after, before) == []


def test_coverage_jump_needs_coverage_in_both_quarters():
    before = village(hh_improved_own=None, hh_improved_shared=None)
    after = village(hh_improved_own=90, hh_improved_shared=0)
    assert validation.village_warnings(after, before) == []
    assert validation.village_warnings(before, after) == []


@pytest.mark.parametrize("after", [111, 89, 300, 1])
def test_household_change_of_more_than_10_percent_warns(after):
    before = {"households_total": 100}
    warnings = in_english(lambda: validation.village_warnings({"households_total": after}, before))
    assert codes(warnings) == ["household_total_jump"]
    assert warnings[0].field == "households_total"
    assert f"from 100 to {after}, more than 10% in one quarter" in warnings[0].message


@pytest.mark.parametrize("after", [110, 90, 100, 105])
def test_household_change_of_at_most_10_percent_does_not_warn(after):
    assert validation.village_warnings({"households_total": after}, {"households_total": 100}) == []


def test_household_change_is_not_compared_with_an_empty_or_zero_previous_total():
    assert validation.village_warnings({"households_total": 50}, {"households_total": 0}) == []
    assert validation.village_warnings({"households_total": 50}, {"households_total": None}) == []
    assert validation.village_warnings({"households_total": None}, {"households_total": 50}) == []


def test_no_comparison_warnings_without_a_previous_quarter():
    wild = village(
        households_total=1000, hh_improved_own=1000, hh_improved_shared=0, hh_unimproved=0, hh_open_defecation=0
    )
    assert validation.village_warnings(wild) == []
    assert validation.village_warnings(wild, {}) == []


def test_several_warnings_are_all_reported():
    before = village()  # 100 households, 50% coverage
    after = village(
        households_total=200,
        hh_improved_own=180,
        hh_improved_shared=0,
        hh_unimproved=10,
        hh_open_defecation=10,
        odf_status="declared",
    )
    assert set(codes(validation.village_warnings(after, before))) == {
        "odf_with_open_defecation",
        "household_total_jump",
        "coverage_jump",
    }


def test_warning_messages_are_translated():
    before = village()
    after = village(
        households_total=200,
        hh_improved_own=180,
        hh_improved_shared=0,
        hh_unimproved=10,
        hh_open_defecation=10,
        odf_status="declared",
    )
    english = in_english(lambda: validation.village_warnings(after, before))
    khmer = in_khmer(lambda: validation.village_warnings(after, before))
    assert codes(english) == codes(khmer)
    for en, km in zip(english, khmer, strict=True):
        assert km.message != en.message, en.code


# --- village_missing --------------------------------------------------------------------------------


def test_empty_village_misses_every_required_field():
    assert validation.village_missing({}) == validation.VILLAGE_REQUIRED
    assert validation.village_missing({"odf_status": ""}) == validation.VILLAGE_REQUIRED


def test_complete_village_misses_nothing_and_zero_counts_as_entered():
    assert validation.village_missing(village()) == []
    zeros = {field: 0 for field in validation.VILLAGE_REQUIRED} | {"odf_status": "not_triggered"}
    assert validation.village_missing(zeros) == []


def test_village_missing_lists_only_the_empty_fields_in_order():
    values = village(latrines_built=None, odf_status="", hh_unimproved=None)
    assert validation.village_missing(values) == ["hh_unimproved", "latrines_built", "odf_status"]


def test_explanation_and_status_date_are_not_required():
    assert validation.village_missing(village(explanation="", odf_status_date=None)) == []


# --- district_section_missing ------------------------------------------------------------------------


def complete_report(**fields):
    report = DistrictReport(
        wg_meeting_held=True,
        wg_meeting_date="2019-08-01",
        ft_annual_allocation=Decimal("4000"),
        ft_received=Decimal("1000"),
        spent_meetings=Decimal("100"),
        active_suppliers=3,
        active_masons=5,
        achievements="Two villages triggered.",
        challenges="Rain.",
        next_quarter_plan="Verify ODF.",
    )
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def test_complete_district_section_misses_nothing():
    assert validation.district_section_missing(complete_report()) == []


def test_empty_district_section_misses_every_part():
    assert validation.district_section_missing(DistrictReport()) == list(validation.MISSING_DISTRICT_SECTIONS)


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"wg_meeting_held": None}, ["working_group"]),
        ({"wg_meeting_held": True, "wg_meeting_date": None}, ["working_group"]),
        ({"wg_meeting_held": False, "wg_meeting_date": None}, []),  # not held: no date to give
        ({"ft_annual_allocation": None}, ["budget"]),
        ({"ft_received": None}, ["budget"]),
        ({"spent_meetings": None}, ["budget"]),  # no spending line entered at all
        ({"spent_meetings": None, "spent_other": Decimal("0")}, []),  # one spending line is enough
        ({"active_suppliers": None}, ["suppliers"]),
        ({"active_masons": None}, ["suppliers"]),
        ({"active_suppliers": 0, "active_masons": 0}, []),
        ({"achievements": ""}, ["narrative"]),
        ({"challenges": "   \n"}, ["narrative"]),
        ({"next_quarter_plan": ""}, ["narrative"]),
        ({"support_needed": ""}, []),  # optional
    ],
)
def test_district_section_missing_names_each_empty_part(fields, missing):
    assert validation.district_section_missing(complete_report(**fields)) == missing


def test_missing_section_labels_are_translated():
    for key, label in validation.MISSING_DISTRICT_SECTIONS.items():
        assert in_khmer(lambda label=label: str(label)) != in_english(lambda label=label: str(label)), key
