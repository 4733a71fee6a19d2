"""python manage.py export_dhis2 --quarter 2019Q2 --format adx|json [--state approved|provisional] [--output FILE]"""

import re
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports.exchange import dhis2
from reports.models import ReportingPeriod
from reports.rollups.models import DataState


class Command(BaseCommand):
    help = (
        "Write a quarter's district and commune figures for DHIS2 (ADX XML or dataValueSets JSON), with the "
        "mapping kept on the portal's DHIS2 exchange page. The ADX file is checked against the data set's schema."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", required=True, help="YYYYQn, e.g. 2019Q2.")
        parser.add_argument("--format", choices=["adx", "json"], default="adx")
        parser.add_argument("--state", choices=DataState.values, default=DataState.APPROVED)
        parser.add_argument("--output", default="-", help="A file to write (default: standard output).")

    def handle(self, *args, quarter, format, state, output, **options):
        match = re.fullmatch(r"(\d{4})Q([1-4])", quarter.upper())
        if not match:
            raise CommandError("--quarter is YYYYQn, e.g. 2019Q2")
        period = ReportingPeriod.objects.filter(year=int(match[1]), quarter=int(match[2])).first()
        if period is None:
            raise CommandError(f"There is no reporting period {quarter}.")
        try:
            export = dhis2.collect(period, state)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if format == "json":
            content = dhis2.data_value_set(export).encode()
        else:
            content = dhis2.adx(export)
            problems = dhis2.validate_adx(content, export.mapping)
            if problems:
                raise CommandError("The ADX file does not validate against its schema: " + "; ".join(problems[:5]))
        if output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
        else:
            with open(output, "wb") as handle:
                handle.write(content)
        unmapped = len(export.mapping.unmapped)
        self.stderr.write(
            f"{export.dhis2_period} ({state}): {export.units} districts and communes, {len(export.values)} values"
            + (f"; {unmapped} figures have no data element and were not sent" if unmapped else "")
        )
