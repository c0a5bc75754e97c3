from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "regulars.tenancy"
    label = "tenancy"
