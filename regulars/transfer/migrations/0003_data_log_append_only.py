"""The data log refuses UPDATE and DELETE in the database itself, on both engines."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER transfer_datalog_no_update BEFORE UPDATE ON transfer_datalogentry
    BEGIN SELECT RAISE(ABORT, 'data log entries cannot be changed'); END""",
    """CREATE TRIGGER transfer_datalog_no_delete BEFORE DELETE ON transfer_datalogentry
    BEGIN SELECT RAISE(ABORT, 'data log entries cannot be deleted'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS transfer_datalog_no_update",
    "DROP TRIGGER IF EXISTS transfer_datalog_no_delete",
]
POSTGRES = [
    """CREATE FUNCTION transfer_datalog_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'data log entries cannot be changed or deleted'; END $$""",
    """CREATE TRIGGER transfer_datalog_append_only BEFORE UPDATE OR DELETE
    ON transfer_datalogentry FOR EACH ROW EXECUTE FUNCTION transfer_datalog_refuse()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS transfer_datalog_append_only ON transfer_datalogentry",
    "DROP FUNCTION IF EXISTS transfer_datalog_refuse()",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("transfer", "0002_exports_and_data_log")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
