from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bangfu.cases"
    label = "cases"
    verbose_name = "个案帮扶"
