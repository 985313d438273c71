from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "bangfu.jobs"
    verbose_name = "后台任务"

    def ready(self):
        # Each app says what long work it has in its own `jobs` module (policy/jobs.py …), as
        # huey finds `tasks` modules: the jobs app knows no domain, the domains know it.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
