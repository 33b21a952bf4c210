"""Admin for papers (with their Markdown note), versions, categories and listings."""

from django.contrib import admin

from reader.models import Category, ListingEntry, Paper, PaperRequest, PaperVersion


class PaperVersionInline(admin.TabularInline):
    model = PaperVersion
    extra = 0
    readonly_fields = ("version", "submitted", "size", "comment")


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "title", "primary_category", "latest_version", "first_published")
    list_filter = ("primary_category",)
    search_fields = ("arxiv_id", "title", "authors_text", "abstract", "doi")
    readonly_fields = (
        "title_html",
        "abstract_html",
        "note_html",
        "renderer_version",
        "source_hash",
        "created_at",
        "modified_at",
    )
    inlines = [PaperVersionInline]

    def save_model(self, request, obj, form, change):
        """Save, then render the note through the service (never raw HTML)."""
        from reader.services import paper_note_set

        super().save_model(request, obj, form, change)
        paper_note_set(paper=obj, note=obj.note)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "archive", "group")
    search_fields = ("code", "name", "aliases")
    list_filter = ("group",)


@admin.register(ListingEntry)
class ListingEntryAdmin(admin.ModelAdmin):
    list_display = ("issue_date", "category", "section", "position", "paper")
    list_filter = ("section", "category")
    search_fields = ("paper__arxiv_id", "category")
    raw_id_fields = ("paper",)


@admin.register(PaperRequest)
class PaperRequestAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "status", "requested_at", "finished_at")
    search_fields = ("arxiv_id",)
    list_filter = ("status",)


from reader.faq import admin as _faq_admin  # noqa: E402,F401  (PaperFaq admin)
