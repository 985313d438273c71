from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "bangfu.orgs"
    verbose_name = "组织与用户"

    def ready(self) -> None:
        from . import logins, signals  # noqa: F401
