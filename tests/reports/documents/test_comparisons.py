"""The PDFs' rule for comparing two quarters (reports/documents/comparisons.py): like with like only.

Rows are unsaved Rollup objects: no database.
"""

import datetime

from django.utils import translation

from reports.documents import comparisons
from reports.documents.common import Indicator, IndicatorTable, compared, rollup_indicators, row_fingerprint
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel

Row = Rollup

Q1_2019 = datetime.date(2019, 1, 1)


def district(code, *, reported=True, carried_since=None, province_id=1, expected=1):
    return Row(
        level=RollupLevel.DISTRICT,
        code=code,
        data_state=DataState.APPROVED,
        province_id=province_id,
        reports_expected=expected,
        reports_included=int(reported),
        carried_units=int(not reported and carried_since is not None),
        carried_since=None if reported else carried_since,
    )


def national(districts):
    """The national row of some district rows, summed as the rollup does."""
    carried = [d.carried_since for d in districts if d.carried_since]
    return Row(
        level=RollupLevel.NATIONAL,
        code=NATIONAL_CODE,
        data_state=DataState.APPROVED,
        reports_expected=sum(d.reports_expected for d in districts),
        reports_included=sum(d.reports_included for d in districts),
        carried_units=sum(d.carried_units for d in districts),
        carried_since=min(carried) if carried else None,
    )


def province(districts, province_id):
    row = national([d for d in districts if d.province_id == province_id])
    row.level, row.code, row.province_id = RollupLevel.PROVINCE, f"{province_id:02d}", province_id
    return row


def verdict(now_districts, before_districts, top=national):
    now, before = top(now_districts), top(before_districts)
    return comparisons.comparability(now, before, now_districts, before_districts)


def test_the_same_districts_reporting_in_both_quarters_compare_everything():
    both = [district("0508"), district("0501"), district("2501", province_id=2)]
    assert verdict(both, both) == comparisons.Comparability(stocks=True, flows=True)


def test_a_partial_quarter_is_not_compared_with_a_full_one():
    full = [district("0508"), district("0501"), district("2501", province_id=2)]
    partial = [district("0508"), district("0501", reported=False), district("2501", reported=False, province_id=2)]
    # Nothing to carry: the partial quarter rests on one district, the full one on three.
    assert verdict(partial, full) == comparisons.Comparability(stocks=False, flows=False)
    assert verdict(full, partial) == comparisons.Comparability(stocks=False, flows=False)


def test_carried_forward_stock_compares_but_the_flows_of_a_partial_quarter_do_not():
    full = [district("0508"), district("0501")]
    carried = [district("0508"), district("0501", reported=False, carried_since=Q1_2019)]
    # Stock: both quarters rest on the two districts (one carried forward). Flow: one report against two.
    assert verdict(carried, full) == comparisons.Comparability(stocks=True, flows=False)


def test_stock_is_not_compared_when_different_districts_have_no_figures():
    # One of two districts without figures in each quarter, but not the same one.
    before = [district("0508"), district("0501", reported=False)]
    now = [district("0508", reported=False), district("0501")]
    assert verdict(now, before) == comparisons.Comparability(stocks=False, flows=False)
    # Counts alone (no district rows to name them) cannot tell: same numbers, comparable.
    assert comparisons.comparability(national(now), national(before)) == comparisons.Comparability(True, True)


def test_flows_are_not_compared_when_other_districts_reported_even_with_the_same_count():
    before = [district("0508"), district("0501", reported=False, carried_since=Q1_2019)]
    now = [district("0508", reported=False, carried_since=Q1_2019), district("0501")]
    assert verdict(now, before) == comparisons.Comparability(stocks=True, flows=False)


def test_a_different_number_of_expected_districts_is_not_compared():
    before = [district("0508"), district("0501")]
    now = [district("0508"), district("0501"), district("0502")]
    assert verdict(now, before) == comparisons.Comparability(stocks=False, flows=False)


def test_a_province_is_judged_on_its_own_districts_only():
    before = [district("0508"), district("0501"), district("2501", province_id=2)]
    now = [district("0508"), district("0501"), district("2501", reported=False, province_id=2)]
    assert verdict(now, before, top=lambda rows: province(rows, 1)) == comparisons.Comparability(True, True)
    assert verdict(now, before, top=lambda rows: province(rows, 2)) == comparisons.Comparability(False, False)
    assert verdict(now, before) == comparisons.Comparability(False, False)  # the nation


def test_one_district_compares_its_stock_when_it_has_figures_in_both_quarters():
    own, carried = district("0508"), district("0508", reported=False, carried_since=Q1_2019)
    nothing = district("0508", reported=False)
    assert comparisons.comparability(carried, own) == comparisons.Comparability(stocks=True, flows=False)
    assert comparisons.comparability(own, own) == comparisons.Comparability(stocks=True, flows=True)
    assert comparisons.comparability(own, nothing) == comparisons.Comparability(stocks=False, flows=False)


def test_a_commune_row_rests_on_its_own_figures_unless_carried():
    own = Row(level=RollupLevel.COMMUNE, code="050801", data_state=DataState.APPROVED)
    carried = Row(level=RollupLevel.COMMUNE, code="050801", data_state=DataState.APPROVED, carried_since=Q1_2019)
    assert comparisons.footing(own).reported == 1 and comparisons.footing(carried).carried == 1
    assert comparisons.comparability(carried, own) == comparisons.Comparability(stocks=True, flows=False)


def test_no_earlier_row_means_nothing_to_compare_and_no_footnote():
    assert comparisons.comparability(district("0508"), None) == comparisons.Comparability(True, True)
    assert comparisons.stocks_comparable(None, comparisons.footing(district("0508"))) is False
    assert comparisons.flows_comparable(comparisons.footing(district("0508")), None) is False


def test_indicator_lines_not_compared_print_a_dash_and_their_footnote():
    now = Row(households_total=17_487, latrines_built=20, triggering_events=3, hh_improved_own=10)
    before = Row(households_total=404_139, latrines_built=300, triggering_events=40, hh_improved_own=100)
    with translation.override("en"):
        lines = rollup_indicators(now, before, comparability=comparisons.Comparability(stocks=True, flows=False))
        by_label = {line.label: line for line in lines}
        assert by_label["Households in total"].change_display == "-386,652"
        assert by_label["Latrines built this quarter"].change_display == "—"
        assert by_label["Latrines built this quarter"].mark == "†"
        assert by_label["CLTS triggering events this quarter"].change_display == "—"
        assert by_label["Latrines built this quarter"].before_display == "300"  # last quarter's figure stays
        assert [mark for mark, _text in lines.notes] == ["†"]

        lines = rollup_indicators(now, before, comparability=comparisons.Comparability(stocks=False, flows=False))
        assert all(line.change_display == "—" for line in lines)
        notes = dict(lines.notes)
        assert notes["*"] == "Not compared: the two quarters rest on different districts."
        assert "not the same districts reported in both quarters" in notes["†"]

        # Without a Comparability (the district report: one district's own reports), everything is compared.
        lines = rollup_indicators(now, before)
        assert lines.notes == [] and all(line.mark == "" for line in lines)
        assert {line.label: line.change_display for line in lines}["Latrines built this quarter"] == "-280"


def test_a_line_without_last_quarter_gets_no_footnote():
    lines = compared([Indicator("x", 5, None, flow=True)], comparisons.Comparability(stocks=False, flows=False))
    assert isinstance(lines, IndicatorTable)
    assert lines[0].change_display == "—" and lines[0].mark == "" and lines.notes == []


def test_the_row_fingerprint_covers_the_carried_forward_figures():
    own = district("0508", reported=False)
    carried = district("0508", reported=False, carried_since=Q1_2019)
    assert row_fingerprint(own) != row_fingerprint(carried)
    later = district("0508", reported=False, carried_since=datetime.date(2019, 4, 1))
    assert row_fingerprint(later) != row_fingerprint(carried)
    assert "carried_units" in Rollup.SUM_FIELDS  # so the count is in the fingerprint too
