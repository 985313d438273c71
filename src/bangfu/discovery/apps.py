from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "bangfu.discovery"
    label = "discovery"
    verbose_name = "主动发现"
