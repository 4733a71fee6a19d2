# The label a reviewer's comment was written with is kept, in the same column, under a name that says what it is
# now: a fallback. Readers see the label built from the comment's key in their own language
# (ReviewComment.target_label). No change to the database.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0004_stored_pdfs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name='reviewcomment',
                    old_name='target_label',
                    new_name='label_as_written',
                ),
                migrations.AlterField(
                    model_name='reviewcomment',
                    name='label_as_written',
                    field=models.CharField(
                        blank=True,
                        db_column='target_label',
                        max_length=300,
                        verbose_name='figure, as the reviewer named it',
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
