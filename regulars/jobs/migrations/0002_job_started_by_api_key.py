"""Who started a job (a staff member, an API key or the system), checked when it runs."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def mark_user_jobs(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Jobs with a requester were started by that person; API calls without one by a key
    # (no longer known: the runner refuses such a job rather than run it as the system).
    Job = apps.get_model("jobs", "Job")  # noqa: N806
    jobs = Job._base_manager.using(schema_editor.connection.alias)
    jobs.filter(requester__isnull=False).update(started_by="user")
    jobs.filter(requester__isnull=True, channel="api").update(started_by="api_key")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="api_key",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.apikey",
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="started_by",
            field=models.CharField(
                choices=[
                    ("user", "A staff member"),
                    ("api_key", "An API key"),
                    ("system", "The system"),
                ],
                default="system",
                max_length=8,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(mark_user_jobs, migrations.RunPython.noop, elidable=True),
    ]
