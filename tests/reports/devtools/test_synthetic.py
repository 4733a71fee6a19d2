"""The synthetic national dataset: deterministic, marked synthetic, plausible, refused where real reports are;
and the rollup benchmark that runs on it."""

import io
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command

from reports.entry import validation
from reports.models import DistrictReport, ReportStatus, VillageQuarter
from reports.rollups.models import NATIONAL_CODE, DataState, RollupLevel
from tests.factories import (
    DistrictReportFactory,
    ReportingPeriodFactory,
)
from tests.reports.rollups.helpers import row

STATUSES = {
    DataState.APPROVED: {ReportStatus.APPROVED},
    DataState.PROVISIONAL: {ReportStatus.SUBMITTED, ReportStatus.APPROVED},
}


# --- The national dataset generator and the benchmark -----------------------------------------------


def village_values():
    return sorted(
        VillageQuarter.objects.values_list(
            "report__district__code",
            "report__period__year",
            "report__period__quarter",
            "report__status",
            "village__code",
            *VillageQuarter.COUNT_FIELDS,
            "odf_status",
            "odf_status_date",
        )
    )


@pytest.mark.slow  # three runs of the generator
def test_generator_is_deterministic_marked_synthetic_and_plausible(world):
    out = io.StringIO()
    call_command("generate_national_dataset", "--seed", "7", "--provinces", "05", stdout=out)
    assert "SYNTHETIC DATA (seed 7)" in out.getvalue()
    first = village_values()
    assert DistrictReport.objects.count() > 60  # two districts, 40 quarters, a few missing
    assert not DistrictReport.objects.filter(is_demo=False).exists()
    assert not DistrictReport.objects.exclude(achievements__startswith="SYNTHETIC DATA").exists()
    assert {r[1] for r in first} == set(range(2016, 2026))
    # Every village row passes the entry rules, with no plausibility warning against the quarter before.
    fields = [*VillageQuarter.COUNT_FIELDS, "odf_status"]
    by_village = defaultdict(list)
    for values in VillageQuarter.objects.order_by("report__period__year", "report__period__quarter").values(
        "village_id", *fields
    ):
        by_village[values["village_id"]].append(values)
    for series in by_village.values():
        for before, values in zip([None, *series[:-1]], series, strict=True):
            assert validation.village_errors(values) == {}
            assert validation.village_warnings(values, before) == []
    for report in DistrictReport.objects.all():
        assert (
            validation.budget_error(
                spent=report.spent_total, received=report.ft_received, carried_over=report.ft_carried_over
            )
            is None
        )
    # Coverage rises and ODF spreads; the last quarter has provisional data or missing reports.
    first_q, last_q = (
        row(
            RollupLevel.NATIONAL,
            NATIONAL_CODE,
            ReportingPeriodFactory(year=year, quarter=quarter),
            DataState.PROVISIONAL,
        )
        for year, quarter in ((2016, 1), (2025, 3))
    )
    assert last_q.sanitation_coverage > first_q.sanitation_coverage + 20
    assert last_q.odf_villages_verified >= first_q.odf_villages_verified

    call_command("generate_national_dataset", "--seed", "7", "--provinces", "05", stdout=io.StringIO())
    assert village_values() == first  # the same seed replaces the earlier run with the same figures
    call_command("generate_national_dataset", "--seed", "8", "--provinces", "05", stdout=io.StringIO())
    assert village_values() != first


def test_generator_refuses_a_database_with_real_reports_unless_forced(world):
    real = DistrictReportFactory(
        district=world.district_a, period=ReportingPeriodFactory(year=2020, quarter=1), filled=True, approved=True
    )
    with pytest.raises(CommandError, match="real"):
        call_command("generate_national_dataset", "--seed", "1", "--provinces", "05", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "generate_national_dataset", "--seed", "1", "--provinces", "05", "--force", "--skip-rollups", stdout=out
    )
    assert "Left alone 1 district-quarters" in out.getvalue()
    real.refresh_from_db()
    assert not real.is_demo and real.village_quarters.count() == 4  # untouched


@pytest.mark.slow  # the generator and the benchmark, on PostgreSQL
def test_benchmark_needs_postgresql(world):
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("generate_national_dataset", "--seed", "3", "--provinces", "25", stdout=io.StringIO())
        out = io.StringIO()
        call_command("bench_rollups", "--repeat", "3", stdout=out)
        for measure in ("one quarter", "all 40 quarters", "incremental rebuild", "floor", "ours / floor"):
            assert measure in out.getvalue()
        assert "national totals equal the floor's (every quarter, both states)" in out.getvalue()
        assert "NO:" not in out.getvalue()
    else:
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("bench_rollups", stdout=io.StringIO())
