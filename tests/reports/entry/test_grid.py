"""The commune page's village grid (reports/entry/grid.py): the inputs it draws, the state of each village row and
the progress count, without a request."""

import datetime

import pytest
from django.utils import translation

from reports.entry import grid
from reports.entry.forms import VillageFormSet
from reports.models import VillageQuarter
from tests.factories import VillageFactory

FULL = {
    "households_total": 100,
    "hh_improved_own": 50,
    "hh_improved_shared": 10,
    "hh_unimproved": 30,
    "hh_open_defecation": 10,
    "idpoor_households": 20,
    "idpoor_improved": 5,
    "latrines_built": 3,
    "hh_handwashing": 60,
    "odf_status": "triggered",
}


def village_row(code="05080101", name="Trapeang Chour", pk=None, prefilled=False, **figures):
    row = VillageQuarter(
        pk=pk, village=VillageFactory.build(pk=int(code), code=code, name_latin=name, name_km=name), **figures
    )
    if prefilled:
        row.prefilled = True
    return row


def draw(rows, *, editable=True, forms=None, previous=None):
    with translation.override("en"):
        return grid.village_grid(rows, previous or {}, {}, editable=editable, forms=forms)


def test_each_row_is_named_by_its_village_and_draws_every_input_once_with_the_formsets_names():
    drawn = draw([village_row(**FULL, odf_status_date=datetime.date(2019, 9, 30)), village_row("05080102")])
    first, second = drawn.rows
    assert [cell.name for cell in first.figures + first.details] == [
        f"villages-0-{column.name}" for column in grid.COLUMNS
    ]
    assert 'name="villages-0-households_total" id="id_villages-0-households_total"' in first.figures_html
    assert 'value="100"' in first.figures[0].input
    assert '<option value="triggered" selected>' in first.figures[-1].input
    date = first.details[0].input  # three selects in the page's language: 30 / September / 2019
    assert '<option value="30" selected>' in date and '<option value="9" selected>September</option>' in date
    assert '<option value="2019" selected>' in date and 'name="villages-0-odf_status_date_day"' in date
    assert 'aria-label="Households in total — Trapeang Chour"' in first.figures[0].input
    assert second.figures[0].value == "" and 'value=""' in second.figures[0].input


def test_the_line_under_the_figures_opens_for_something_to_read_not_for_a_date_alone():
    dated = village_row(**FULL, odf_status_date=datetime.date(2019, 9, 30))
    explained = village_row("05080102", **FULL, odf_status_date=datetime.date(2019, 9, 30), explanation="Flood")
    drawn = draw([dated, explained])
    assert [row.opens_details for row in drawn.rows] == ["false", "true"]


def test_hostile_names_and_values_are_escaped():
    hostile = '"><script>alert(1)</script>'
    row = village_row(name=hostile, explanation=f"</textarea>{hostile}")
    drawn = draw([row]).rows[0]
    html = drawn.figures_html + "".join(cell.input for cell in drawn.details)
    assert "<script>" not in html
    assert "&lt;/textarea&gt;" in drawn.details[1].input
    assert "<script>" not in draw([row]).rows_html  # the heading cell and the line under the figures too


def test_posted_values_are_shown_as_typed_with_their_errors_next_to_the_row():
    rows = [village_row(pk=1, **FULL)]
    posted = {f"villages-0-{name}": str(value) for name, value in FULL.items()}
    posted.update(
        {"villages-0-households_total": "99x", "villages-0-odf_status_date": "", "villages-0-explanation": ""}
    )
    formset = VillageFormSet(posted, instances=rows, prefix="villages")
    formset.is_valid()
    drawn = draw(rows, forms=formset.forms).rows[0]
    assert drawn.figures[0].value == "99x"  # nothing typed is lost
    assert "is-invalid" in drawn.figures[0].input and 'aria-invalid="true"' in drawn.figures[0].input
    assert drawn.state == grid.RowState.ERROR
    assert drawn.errors[0][0] == "Households in total"
    assert drawn.opens_details == "true"


@pytest.mark.parametrize(
    ("row", "state"),
    [
        (village_row(), grid.RowState.NOT_STARTED),
        (village_row(prefilled=True, households_total=100), grid.RowState.PREFILLED),
        (village_row(pk=1, **FULL), grid.RowState.SAVED),
        # declared ODF with households still practising open defecation
        (village_row(pk=1, **{**FULL, "odf_status": "verified"}), grid.RowState.WARNING),
    ],
)
def test_the_state_of_a_village_row(row, state):
    drawn = draw([row]).rows[0]
    assert drawn.state == state
    assert drawn.state_label == str(grid.STATE_LABELS[state])


def test_the_progress_counts_villages_with_every_figure_filled_in():
    drawn = draw([village_row(pk=1, **FULL), village_row("05080102", households_total=5)])
    assert drawn.filled == 1
    assert [row.filled for row in drawn.rows] == [True, False]


def test_a_read_only_grid_draws_every_input_disabled():
    drawn = draw([village_row(pk=1, **FULL)], editable=False).rows[0]
    assert all(" disabled" in cell.input for cell in drawn.figures + drawn.details)


def test_a_row_drawn_in_khmer_has_every_word_of_its_own_in_khmer():
    """The row's own words (state, the "Unchanged" box, the button to the line below, the date's parts) come from
    the catalogue: a msgid written inside an f-string is not extracted, and the Khmer page showed it in English."""
    prefilled = village_row(**FULL, prefilled=True)
    with translation.override("km"):
        drawn = grid.village_grid([prefilled], {}, {}, editable=True)
        html = drawn.rows_html
    for english in ("Unchanged: confirm", "Date, explanation", "from last quarter", "Day", "Month", "Year"):
        assert english not in html
    assert "គ្មានការប្រែប្រួល៖ បញ្ជាក់" in html and "កាលបរិច្ឆេទ និងការពន្យល់" in html
