from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "regulars.jobs"
    label = "jobs"
