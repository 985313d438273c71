from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and synthetic data (`bangfu demo`, `bangfu synth`): written through the domain
    apps' own services and row builders; no domain app imports from here."""

    name = "bangfu.demo"
    label = "demo"
    verbose_name = "演示与合成数据"
