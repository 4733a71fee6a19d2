"""Simple <input> elements drawn without Django's widget templates, for pages that draw many of them.

Django draws every widget through two templates (input.html, then attrs.html): about 0.3 ms an input, a tenth
of the commune page's server time for its eight activity figures and the formset's four hidden counters. For
the plain one-element inputs (number, text, hidden, e-mail, URL) this draws the same markup Django would (type,
name, value, the widget's attributes, then the bound field's: id, required, disabled, aria-invalid) with the
standard library's escape(). Any other widget (selects, dates, text areas, file inputs) is drawn by Django.
"""

from html import escape

from django import forms
from django.utils.safestring import SafeString, mark_safe

PLAIN_WIDGETS = (forms.NumberInput, forms.TextInput, forms.HiddenInput, forms.EmailInput, forms.URLInput)


def input_html(bound_field: forms.BoundField, *, extra_class: str = "") -> SafeString:
    """`bound_field` as its widget draws it, with `extra_class` (e.g. "is-invalid") after the widget's classes."""
    widget = bound_field.field.widget
    attrs = {}
    if extra_class:
        attrs["class"] = f"{widget.attrs.get('class', '')} {extra_class}".strip()
    if type(widget) not in PLAIN_WIDGETS:
        return bound_field.as_widget(attrs=attrs)
    if bound_field.field.localize:
        widget.is_localized = True
    attrs = bound_field.build_widget_attrs(attrs, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    value = widget.format_value(bound_field.value())
    shown = "" if value is None else f' value="{escape(str(value))}"'
    return mark_safe(  # noqa: S308  # every value in it went through escape()
        f'<input type="{escape(widget.input_type)}" name="{escape(bound_field.html_name)}"{shown}'
        f"{attributes_html({**widget.attrs, **attrs})}>"
    )


def attributes_html(attrs: dict) -> str:
    """HTML attributes as Django's attrs.html draws them: True alone, False left out, anything else as a string."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def hidden_inputs_html(form: forms.Form) -> SafeString:
    """Every field of a form of hidden inputs (a formset's management form), drawn as input_html draws them."""
    return mark_safe("".join(input_html(field) for field in form))  # noqa: S308  # escaped in input_html
