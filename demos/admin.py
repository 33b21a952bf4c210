"""DemoRun admin: read-mostly; delete a succeeded run to invalidate its cached result."""

from django.contrib import admin, messages

from demos.models import DemoRun


@admin.register(DemoRun)
class DemoRunAdmin(admin.ModelAdmin):
    """Runs with their status; actions cancel queued runs or fail stuck ones."""

    list_display = (
        "id",
        "demo_key",
        "size",
        "status",
        "attempts",
        "worker",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "demo_key", "size")
    search_fields = ("id", "demo_key", "cache_key", "worker")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in DemoRun._meta.fields]
    actions = ("cancel_queued", "mark_failed")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Cancel selected queued runs")
    def cancel_queued(self, request, queryset) -> None:
        from demos.services import demo_run_cancel

        count = sum(demo_run_cancel(run=run) for run in queryset)
        self.message_user(request, f"Cancelled {count} queued run(s).", messages.SUCCESS)

    @admin.action(description="Mark selected queued/running runs failed")
    def mark_failed(self, request, queryset) -> None:
        from demos.services import demo_run_fail

        runs = list(queryset.filter(status__in=DemoRun.ACTIVE_STATUSES))
        for run in runs:
            demo_run_fail(run=run, error=f"marked failed by {request.user} in the admin")
        self.message_user(request, f"Marked {len(runs)} run(s) failed.", messages.SUCCESS)
