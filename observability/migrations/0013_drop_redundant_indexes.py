"""Drop the project_id btree (and PostgreSQL's _like) indexes of the project foreign keys of traces,
observations and sessions: every query by project uses an index that starts with it, (project, id) first.

Only the indexes are dropped (found by introspection, as Django named them with a hash); an AlterField
would also drop and re-add the foreign key, which revalidates every row of the tables.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("observability_trace", "observability_observation", "observability_session")


def _project_id_indexes(schema_editor, table: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, found in constraints.items()
        if found["columns"] == ["project_id"] and found["index"] and not found["unique"] and not found["primary_key"]
    ]


def drop_indexes(apps, schema_editor):
    for table in TABLES:
        for name in _project_id_indexes(schema_editor, table):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(table + '_project_id')}"
            f" ON {schema_editor.quote_name(table)} (project_id)"
        )


def _project(model_name: str) -> migrations.AlterField:
    return migrations.AlterField(
        model_name=model_name,
        name="project",
        field=models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenancy.project"
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("observability", "0012_read_indexes_2"),
        ("tenancy", "0002_generation_tokens"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[_project("observation"), _project("session"), _project("trace")],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        )
    ]
