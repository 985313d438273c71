from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "bangfu.projects"
    label = "projects"
    verbose_name = "项目帮扶"
