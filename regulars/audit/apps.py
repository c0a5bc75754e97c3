from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "regulars.audit"
    label = "audit"
