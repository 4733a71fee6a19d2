"""Field kinds the report models share."""

from django.core.validators import MinValueValidator
from django.db import models


def count_field(verbose_name, **kwargs):
    return models.PositiveIntegerField(verbose_name, null=True, blank=True, **kwargs)


def money_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **kwargs,
    )
