from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "bangfu.funds"
    label = "funds"
    verbose_name = "资金与账务"
