"""The `date` and `time` filters, as Django's, but in Khmer digits on a Khmer page for a person who asked for them
(districts/language.py). Loaded as a builtin of the page templates (settings.TEMPLATES), so every date the portal
writes follows the choice without a template naming it; numbers and tables keep Arabic digits."""

from django import template
from django.template import defaultfilters

from districts.language import KHMER_DIGITS, khmer_date_digits

register = template.Library()


def in_chosen_digits(text):
    return text.translate(KHMER_DIGITS) if text and khmer_date_digits() else text


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    return in_chosen_digits(defaultfilters.date(value, arg))


@register.filter(expects_localtime=True, is_safe=False)
def time(value, arg=None):
    return in_chosen_digits(defaultfilters.time(value, arg))
