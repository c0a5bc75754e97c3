from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _search_index_ensure(sender: AppConfig, *, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from regulars.customers.search import search_index_ensure

    search_index_ensure(connections[using])


class CustomersConfig(AppConfig):
    name = "regulars.customers"
    label = "customers"

    def ready(self) -> None:
        # Schema upkeep, not business logic: a SQLite table remake drops the search triggers.
        post_migrate.connect(_search_index_ensure, sender=self)
