"""Search columns on customers, their B-tree indexes, and the trigram index of search_doc
(SQLite FTS5 with triggers, PostgreSQL pg_trgm GIN); existing customers are filled in."""

from django.db import migrations, models

from regulars.customers.search import (
    SEARCH_COLUMNS,
    search_fields,
    search_index_drop,
    search_index_install,
)

BATCH = 2000


def fill_search_columns(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in Customer.unscoped.order_by("id").iterator(chunk_size=BATCH):
        for name, value in search_fields(customer).items():
            setattr(customer, name, value)
        batch.append(customer)
        if len(batch) >= BATCH:
            Customer.unscoped.bulk_update(batch, SEARCH_COLUMNS)
            batch = []
    if batch:
        Customer.unscoped.bulk_update(batch, SEARCH_COLUMNS)


def install_index(apps, schema_editor):
    search_index_install(schema_editor.connection)


def drop_index(apps, schema_editor):
    search_index_drop(schema_editor.connection)


def _pattern_index(column):
    return migrations.AddIndex(
        model_name="customer",
        index=models.Index(
            fields=["organization", column],
            name=f"customer_org_{column}_idx",
            opclasses=["int8_ops", "varchar_pattern_ops"],
        ),
    )


class Migration(migrations.Migration):
    # Integration note: written beside 0006_filters; the lead orders the two.
    dependencies = [
        ("customers", "0006_filters"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="search_doc",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="customer",
            name="first_folded",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="customer",
            name="last_folded",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="customer",
            name="email_folded",
            field=models.CharField(blank=True, default="", editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name="customer",
            name="initials",
            field=models.CharField(blank=True, default="", editable=False, max_length=16),
        ),
        _pattern_index("first_folded"),
        _pattern_index("last_folded"),
        _pattern_index("email_folded"),
        _pattern_index("initials"),
        migrations.RunPython(fill_search_columns, migrations.RunPython.noop),
        migrations.RunPython(install_index, drop_index),
    ]
