from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "regulars.customers"
    label = "customers"

    def ready(self) -> None:
        from regulars.customers import jobs  # noqa: F401  (registers job kinds)
