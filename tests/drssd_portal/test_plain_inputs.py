"""Simple inputs drawn without Django's widget templates: the same markup as Django's own drawing."""

import pytest
from django import forms

from drssd_portal.plain_inputs import hidden_inputs_html, input_html
from reports.entry.forms import CommuneActivityForm


class Sample(forms.Form):
    count = forms.IntegerField(min_value=0, required=False, widget=forms.NumberInput(attrs={"class": "form-control"}))
    amount = forms.DecimalField(decimal_places=2, required=False)
    name = forms.CharField(max_length=20)
    email = forms.EmailField(required=False, disabled=True)
    hidden = forms.IntegerField(widget=forms.HiddenInput, required=False)
    day = forms.DateField(widget=forms.SelectDateWidget, required=False)


HOSTILE = {"count": '"><script>x</script>', "amount": "1.5", "name": "O'Brien & <Sons>", "hidden": "7"}


@pytest.mark.parametrize("data", [None, {}, HOSTILE])
def test_each_input_is_drawn_as_django_draws_it(data):
    form = Sample(data, initial={"email": "dso@example.org"})
    if data is not None:
        form.is_valid()  # errors give aria-invalid
    for field in form:
        assert input_html(field) == str(field), field.name


def test_an_extra_class_follows_the_widgets_own():
    form = Sample(HOSTILE)
    form.is_valid()
    for field in form:
        existing = field.field.widget.attrs.get("class", "")
        expected = field.as_widget(attrs={"class": f"{existing} is-invalid".strip()})
        assert input_html(field, extra_class="is-invalid") == expected, field.name


def test_hostile_values_are_escaped():
    html = input_html(Sample(HOSTILE)["count"])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_commune_activities_and_a_management_form_are_unchanged():
    activities = CommuneActivityForm(prefix="activities", data={"activities-commune_budget": "12.50"})
    activities.is_valid()
    for field in activities:
        assert input_html(field) == str(field)
    formset = forms.formset_factory(Sample)(prefix="villages")
    assert hidden_inputs_html(formset.management_form) == "".join(str(f) for f in formset.management_form)
