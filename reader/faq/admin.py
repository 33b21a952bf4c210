"""Admin for FAQ answers: list, view (rendered answer), regenerate, delete."""

from django.contrib import admin, messages

from reader.models import PaperFaq


@admin.register(PaperFaq)
class PaperFaqAdmin(admin.ModelAdmin):
    list_display = (
        "paper",
        "version",
        "lang",
        "model",
        "prompt_version",
        "status",
        "completion_tokens",
        "truncated",
        "created_at",
    )
    list_filter = ("status", "lang", "model", "prompt_version", "truncated")
    search_fields = ("paper__arxiv_id", "paper__title")
    list_select_related = ("paper",)
    raw_id_fields = ("paper",)
    readonly_fields = [f.name for f in PaperFaq._meta.fields]
    actions = ["regenerate"]

    def has_add_permission(self, request) -> bool:
        return False  # answers come from the queue, not from a form

    @admin.action(description="Regenerate the selected answers (queued on the llm queue)")
    def regenerate(self, request, queryset):
        """Drop each selected answer and queue a fresh one for the same key."""
        from reader.faq.services import faq_regenerate

        count = 0
        for faq in queryset:
            faq_regenerate(faq=faq)
            count += 1
        self.message_user(request, f"Queued {count} answer(s) again.", messages.SUCCESS)
