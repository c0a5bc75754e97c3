from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """What each customer did: visits, orders, invoices and payments, and the figures kept
    on the customer from them. Above customers and lists: events find (or create) their
    customer through the customers' matching, and the figures join the list's registries."""

    name = "regulars.history"
    label = "history"
    verbose_name = "Customer history"

    def ready(self) -> None:
        # Registers the figure columns and filters, and the daily window refresh.
        from regulars.history import columns, filters, periodic  # noqa: F401
