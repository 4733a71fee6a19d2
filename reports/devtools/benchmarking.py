"""What the bench_* commands share: the results table and the units they print."""


def print_results(stdout, results, *, result_width=12, target_width=10):
    """Rows of (label, result, target, met): met is True, False, or None for a figure without a target."""
    width = max(len(label) for label, *_rest in results)
    stdout.write(f"{'measure':<{width}}  {'result':>{result_width}}  {'target':<{target_width}}  verdict")
    for label, value, target, met in results:
        verdict = "" if met is None else ("met" if met else "MISSED")
        stdout.write(f"{label:<{width}}  {value:>{result_width}}  {target:<{target_width}}  {verdict}")


def seconds(value):
    return f"{value:.2f} s"


def millis(value):
    return f"{value * 1000:.0f} ms"


def logged_in_client(user, language):
    """A test client logged in as `user`, for the host the settings allow, reading pages in `language`."""
    from django.conf import settings
    from django.test import Client

    client = Client(
        HTTP_HOST=(settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".") or "127.0.0.1",
        secure=settings.SECURE_SSL_REDIRECT,
    )
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def open_quarter_after_history():
    """The quarter after the last one with a report beyond draft, opened for entry (the benchmarks' own entries are
    drafts there). CommandError before generate_national_dataset."""
    from django.core.management.base import CommandError
    from django.utils import timezone

    from reports import quarters
    from reports.models import ReportingPeriod

    last = (
        ReportingPeriod.objects.filter(district_reports__status__in=["submitted", "approved"])
        .order_by("-year", "-quarter")
        .first()
    )
    if last is None:
        raise CommandError("No reports: run generate_national_dataset --seed 1 first.")
    year, quarter = quarters.next_quarter(last.year, last.quarter)
    period, _created = ReportingPeriod.objects.update_or_create(
        year=year, quarter=quarter, defaults={"deadline": timezone.localdate(), "is_open": True}
    )
    return period
