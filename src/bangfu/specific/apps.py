from django.apps import AppConfig


class SpecificConfig(AppConfig):
    name = "bangfu.specific"
    label = "specific"
    verbose_name = "特定帮扶"
