"""The one place a review comment's key becomes a label (reports/models/comment_targets.py): in the active
language, from the gazetteer and the model's field names, with the label written at the time only as a fallback.
"""

import pytest
from django.utils import translation

from reports.models import ReviewComment, VillageQuarter
from reports.models import comment_targets as targets
from tests.factories import DistrictReportFactory

VILLAGE = "05080101"


def khmer(model, field):
    with translation.override("km"):
        return str(model._meta.get_field(field).verbose_name)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("", ("", "", "")),
        ("district:ft_received", ("district", "", "ft_received")),
        ("commune:050801:cwg_meetings", ("commune", "050801", "cwg_meetings")),
        (f"village:{VILLAGE}:households_total", ("village", VILLAGE, "households_total")),
        ("province:05:anything", ("", "", "")),
        ("village:only-two", ("", "", "")),
    ],
)
def test_a_key_splits_into_kind_unit_and_field(target, expected):
    assert targets.split(target) == expected


def test_a_village_figure_is_named_in_the_readers_language(world):
    target = f"village:{VILLAGE}:households_total"
    units = targets.units_named([target])

    with translation.override("en"):
        english = targets.label(target, units)
    with translation.override("km"):
        khmer_label = targets.label(target, units)

    assert english == f"{VILLAGE} Test Village {VILLAGE} (Test Commune 050801) — households in total"
    assert khmer_label == f"{VILLAGE} ភូមិសាកល្បង {VILLAGE} (ឃុំសាកល្បង 050801) — {khmer(VillageQuarter, 'households_total')}"


def test_district_and_commune_figures_and_the_whole_report(world):
    units = targets.units_named(["commune:050801:cwg_meetings", "district:ft_received", ""])

    with translation.override("en"):
        assert targets.label("commune:050801:cwg_meetings", units) == (
            "050801 Test Commune 050801 — commune working-group meetings"
        )
        assert targets.label("district:ft_received", units) == "received this quarter"
        assert targets.label("", units, fallback="ignored") == ""


def test_units_of_several_comments_are_read_in_one_query_per_level(world, django_assert_num_queries):
    keys = [f"village:{VILLAGE}:households_total", "village:05080102:latrines_built", "commune:050801:bcc_sessions"]
    with django_assert_num_queries(2):
        units = targets.units_named(keys)
    with django_assert_num_queries(0):
        labels = [targets.label(key, units) for key in keys]
    assert all("—" in label for label in labels)
    with django_assert_num_queries(0):
        assert targets.units_named(["district:achievements", ""]) == {}


@pytest.mark.parametrize(
    "target",
    [
        "village:05080101:a_field_since_removed",  # the figure is gone from the form
        "village:05089999:households_total",  # no such village
        "commune:05080101:cwg_meetings",  # a village's code where a commune's belongs
        "district:not_a_field",
    ],
)
def test_a_key_that_cannot_be_named_falls_back_to_the_label_written_with_it(world, target):
    units = targets.units_named([target])
    assert targets.label(target, units, fallback="as written") == "as written"
    assert targets.label(target, units) == target  # an old row without a stored label still says something


def test_the_review_forms_choices_and_units_use_the_same_names(world):
    with translation.override("en"):
        choices = dict(c for _group, options in targets.figure_choices() for c in options)
        assert choices["village:households_total"] == "households in total"
        assert targets.unit_label(world.commune_a1.villages.select_related("commune").get(code=VILLAGE)) == (
            f"{VILLAGE} Test Village {VILLAGE} (Test Commune 050801)"
        )


def test_a_comment_renders_its_label_each_time_it_is_read(world, q3, reviewer_p):
    report = DistrictReportFactory(district=world.district_a, period=q3)
    comment = ReviewComment.objects.create(
        report=report,
        round=1,
        target=f"village:{VILLAGE}:households_total",
        label_as_written="written in English",
        text="Recount.",
        author=reviewer_p,
    )
    [loaded] = ReviewComment.objects.filter(pk=comment.pk).labelled()

    with translation.override("en"):
        assert loaded.target_label.endswith("— households in total")
    with translation.override("km"):
        assert loaded.target_label.endswith(khmer(VillageQuarter, "households_total"))
    assert loaded.label_as_written == "written in English"
