"""{% faq_button arxiv_id %}: the listing card's [FAQ] link (nothing when the FAQ is off)."""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("faq/_card_button.html")
def faq_button(arxiv_id: str) -> dict:
    """A link to the paper page's #faq section; static/js/faq.js opens the answer inline."""
    return {"enabled": settings.LLM_ENABLED, "arxiv_id": arxiv_id}
