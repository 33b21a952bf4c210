"""System check: say in `manage.py check` whether the language-model FAQ is on."""

from django.conf import settings
from django.core import checks


@checks.register()
def llm_settings_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """An info line when the FAQ is off; a warning when it is half configured."""
    if settings.LLM_ENABLED:
        return []
    if settings.LLM_BASE_URL or settings.LLM_MODEL or settings.LLM_API_KEY:
        missing = [n for n in ("LLM_BASE_URL", "LLM_MODEL") if not getattr(settings, n)]
        return [
            checks.Warning(
                f"Paper FAQ is off: {' and '.join(missing)} not set (the other LLM_* are).",
                hint="Set LLM_BASE_URL and LLM_MODEL (README 'Paper FAQ').",
                id="reader.W101",
            )
        ]
    return [
        checks.Info(
            "Paper FAQ is off: LLM_BASE_URL and LLM_MODEL are not set, so no [FAQ] button is shown.",
            hint="Point LLM_BASE_URL, LLM_API_KEY and LLM_MODEL at an OpenAI-compatible endpoint.",
            id="reader.I101",
        )
    ]
