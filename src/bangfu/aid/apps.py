from django.apps import AppConfig


class AidConfig(AppConfig):
    name = "bangfu.aid"
    label = "aid"
    verbose_name = "帮扶记录"
