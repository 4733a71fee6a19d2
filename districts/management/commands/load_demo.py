from django.core.management.base import BaseCommand

from districts.demo import DEMO_PASSWORD, load_demo_users
from districts.gazetteer import load_bundled_gazetteer


class Command(BaseCommand):
    help = "Load the national gazetteer and the demo users. Idempotent: a second run changes nothing."

    def handle(self, *args, **options):
        load_bundled_gazetteer()
        users = load_demo_users()
        self.stdout.write("Gazetteer loaded. Demo users (password %r):" % DEMO_PASSWORD)
        for user in users:
            roles = ", ".join(str(a) for a in user.assignments.all())
            self.stdout.write(f"  {user.username:16} {roles}")
