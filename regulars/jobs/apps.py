from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "regulars.jobs"
    label = "jobs"

    def ready(self) -> None:
        from regulars.jobs import periodic  # noqa: F401  (registers the periodic entries)
