from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "bangfu.registry"
    verbose_name = "建档立卡"
