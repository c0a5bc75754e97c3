from django.apps import AppConfig


class ListsConfig(AppConfig):
    """What the customer list keeps beyond one request: selections (snapshotted ids) and the
    bulk actions on them. Above customers; export, merge and messaging take the same
    selection."""

    name = "regulars.lists"
    label = "lists"

    def ready(self) -> None:
        from regulars.lists import jobs  # noqa: F401  (registers job kinds)
