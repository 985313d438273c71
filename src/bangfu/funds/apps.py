from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "bangfu.funds"
    label = "funds"
    verbose_name = "资金与账务"

    def ready(self):
        from bangfu.cases.signals import payment_recorded

        from .tasks import enqueue_posting

        payment_recorded.connect(enqueue_posting, dispatch_uid="funds.enqueue_posting")
