from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bangfu.web"
    verbose_name = "界面"
