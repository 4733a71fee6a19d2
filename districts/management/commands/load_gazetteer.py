import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from districts.gazetteer import GazetteerError, load_gazetteer


class Command(BaseCommand):
    help = (
        "Load an NCDD gazetteer CSV (columns: level, type_km, code, parent_code, name_km, name_latin, "
        "reference, official_note). Adds, renames and retires units by code; loads nothing if any row is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--retired-on",
            type=datetime.date.fromisoformat,
            default=None,
            help="Date (YYYY-MM-DD) from which units missing from the file are retired; default today.",
        )

    def handle(self, *args, path, retired_on, **options):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            summary = load_gazetteer(text, retire_missing_on=retired_on)
        except GazetteerError as error:
            for line, message in error.problems:
                self.stderr.write(f"{path}:{line}: {message}")
            raise CommandError(f"{len(error.problems)} bad row(s); nothing was loaded.") from error
        for level in summary.total:
            self.stdout.write(
                f"{level:9} {summary.total[level]:6} in file, {summary.added[level]:6} added, "
                f"{summary.updated[level]:6} updated, {summary.retired[level]:6} retired"
            )
