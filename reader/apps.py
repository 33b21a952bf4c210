"""App config for the main app."""

from django.apps import AppConfig


class ReaderConfig(AppConfig):
    """The reader app: papers, categories, listings, ingest."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reader"
    verbose_name = "Paper reader"

    def ready(self) -> None:
        from reader.faq import checks  # noqa: F401  (registers the LLM settings check)
