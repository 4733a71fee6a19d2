from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tools: demo data, the synthetic national dataset and the benchmarks.

    Installed only when DEV_TOOLS is true (the default when DEBUG is true); left out of the production
    image (.dockerignore). Nothing that ships imports this package.
    """

    name = "reports.devtools"
    label = "devtools"
    verbose_name = "Development tools"
