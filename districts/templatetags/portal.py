"""Formatting filters shared by all templates."""
from django import template

register = template.Library()


@register.filter
def minutes(duration):
    """A timedelta as whole minutes (rounded up), e.g. for a lockout message."""
    if not duration:
        return 0
    return -(-int(duration.total_seconds()) // 60)
