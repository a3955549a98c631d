from django.db import migrations, models

# Every rolled-up row of a call takes the call's earliest entry among them (what the rollup
# keeps up from now on), so the view by call can page along the new index without a rebuild.
BACKFILL = """
    UPDATE betool_callusagerollup AS r SET started_at = s.started_at
    FROM (
        SELECT workspace_id, source, min(first_at) AS started_at
        FROM betool_callusagerollup GROUP BY workspace_id, source
    ) AS s
    WHERE r.workspace_id = s.workspace_id AND r.source = s.source
"""


class Migration(migrations.Migration):
    dependencies = [
        ("betool", "0007_workspace_retention_and_audit_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="callusagerollup",
            name="started_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="callusagerollup",
            name="started_at",
            field=models.DateTimeField(),
        ),
        migrations.RemoveIndex(
            model_name="callusagerollup",
            name="call_rollup_by_day",
        ),
        migrations.AddIndex(
            model_name="callusagerollup",
            index=models.Index(
                fields=["workspace", "-started_at", "source"],
                include=["day", "is_test", "pipeline_id", "phone_number"],
                name="call_rollup_by_start",
            ),
        ),
        migrations.AddIndex(
            model_name="callusagerollup",
            index=models.Index(
                condition=models.Q(("started_at__lt", models.F("first_at"))),
                fields=["workspace", "day", "started_at"],
                name="call_rollup_continued",
            ),
        ),
    ]
