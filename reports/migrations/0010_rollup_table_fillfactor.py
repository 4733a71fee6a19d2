"""Leave half of each page of the rollup table free (PostgreSQL only), for HOT updates.

Every rebuild rewrites its rows in place (built_at changes, usually few figures). With full pages each new row
version goes to another page and every index of the table gets a new entry: a rebuild of every quarter of the
national dataset took 6.5 s on tightly packed pages, 3.7 s at fillfactor 50 (bench_rollups). Pages written from
now on keep the space; `VACUUM FULL reports_rollup` rewrites the existing ones at once.
"""

from django.db import migrations

FILLFACTOR = 50


def set_fillfactor(apps, schema_editor, value=FILLFACTOR):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("reports", "Rollup")._meta.db_table)
    schema_editor.execute(
        f"ALTER TABLE {table} SET (fillfactor = {int(value)})" if value else f"ALTER TABLE {table} RESET (fillfactor)"
    )


def reset_fillfactor(apps, schema_editor):
    set_fillfactor(apps, schema_editor, value=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_rollup_carry_forward"),
    ]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
