from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bangfu.audit"
    verbose_name = "审计日志"
