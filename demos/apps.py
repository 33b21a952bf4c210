"""App config for the live demos (the Django side around the pure-torch demo library)."""

from django.apps import AppConfig


class DemosConfig(AppConfig):
    """Demo runs: queue, execute on Celery workers, cache results."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demos"
    verbose_name = "Live demos"
