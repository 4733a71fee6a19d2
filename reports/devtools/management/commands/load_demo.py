from django.core.management.base import BaseCommand

from districts.gazetteer import load_bundled_gazetteer
from reports.devtools.demo import load_demo_reports
from reports.devtools.demo_odf import load_demo_odf
from reports.devtools.demo_users import DEMO_PASSWORD, load_demo_users
from reports.exchange import dhis2
from reports.exchange.models import Dhis2Mapping
from reports.rollups import build as rollup
from reports.rollups.models import Rollup


class Command(BaseCommand):
    help = "Load the national gazetteer, the demo users and demo reports. Idempotent: a second run changes nothing."

    def handle(self, *args, **options):
        load_bundled_gazetteer()
        users = load_demo_users()
        demo = load_demo_reports()
        odf = load_demo_odf()
        if not Dhis2Mapping.objects.exists():  # the example mapping, so the DHIS2 exchange page can export
            dhis2.replace_mapping(dhis2.EXAMPLE_MAPPING.read_bytes())
        if demo.reports or not Rollup.objects.exists():
            rollup.rebuild_all()  # so the dashboards show the demo quarters from the first start
        self.stdout.write(f"Gazetteer loaded. Demo users (password {DEMO_PASSWORD!r}):")
        for user in users:
            roles = ", ".join(str(a) for a in user.assignments.all())
            self.stdout.write(f"  {user.username:16} {roles}")
        self.stdout.write(
            f"Demo reports created: {demo.reports} district reports, {demo.village_rows} village rows, "
            f"{demo.commune_rows} commune rows (none when already loaded)."
        )
        self.stdout.write(
            f"Demo ODF verification: {odf.certified} villages certified, {odf.claims} declared, "
            f"{odf.slippages} slippages (none when already loaded)."
        )
