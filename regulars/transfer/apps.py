from django.apps import AppConfig


class TransferConfig(AppConfig):
    """Moving customers in and out: imports (and, later, exports). Above customers and
    lists: an import writes through the customers' bulk insert, matching and consent."""

    name = "regulars.transfer"
    label = "transfer"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from regulars.transfer import export_jobs, jobs, periodic  # noqa: F401  (registers)
