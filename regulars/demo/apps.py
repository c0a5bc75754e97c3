from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Sample and demo data: the generator, its bulk loader, the sample-customers job and the
    `regulars demo` command. Above customers: it fills customers, never the other way."""

    name = "regulars.demo"
    label = "demo"

    def ready(self) -> None:
        from regulars.demo import jobs  # noqa: F401  (registers job kinds)
