from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "bangfu.projects"
    label = "projects"
    verbose_name = "项目帮扶"

    def ready(self) -> None:
        from bangfu.aid.selectors import register_plan_page

        from .selectors import plan_url

        # The aid app sits below and links a delivery's plan by project aid's own rule.
        register_plan_page(plan_url)
