"""DemoRun: one requested run of a demo, its queue state, progress, result and error.

The row is both the job record and the cache: a conditional unique constraint on `cache_key`
makes "one live or cached run per (demo, version, size, canonical params)" a database fact.
"""

import uuid

from django.db import models


class DemoRunQuerySet(models.QuerySet):
    """Reusable filters over runs."""

    def active(self) -> "DemoRunQuerySet":
        """Runs that are queued or running."""
        return self.filter(status__in=DemoRun.ACTIVE_STATUSES)

    def reusable(self) -> "DemoRunQuerySet":
        """Runs a new request may attach to or be served from (queued, running, succeeded)."""
        return self.filter(status__in=DemoRun.REUSABLE_STATUSES)

    def queued(self) -> "DemoRunQuerySet":
        """Runs waiting for a worker."""
        return self.filter(status=DemoRun.Status.QUEUED)


class DemoRun(models.Model):
    """A run of one demo at one size with canonical params (see design/architecture.md §2)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    REUSABLE_STATUSES = (Status.QUEUED, Status.RUNNING, Status.SUCCEEDED)
    FINISHED_STATUSES = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    demo_key = models.CharField(max_length=100)
    demo_version = models.PositiveIntegerField()
    size = models.CharField(max_length=16)
    params = models.JSONField(default=dict, blank=True)
    cache_key = models.CharField(max_length=64)
    paper = models.ForeignKey(
        "reader.Paper", null=True, blank=True, on_delete=models.SET_NULL, related_name="demo_runs"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True)
    device = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DemoRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cache_key"],
                condition=models.Q(status__in=["queued", "running", "succeeded"]),
                name="demorun_one_reusable_per_cache_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="demorun_status_created"),
            models.Index(fields=["demo_key", "-created_at"], name="demorun_key_created"),
            models.Index(fields=["cache_key"], name="demorun_cache_key"),
        ]

    def __str__(self) -> str:
        return f"{self.demo_key} {self.size} {self.status} ({self.id})"

    @property
    def is_finished(self) -> bool:
        """True once the run can no longer change (succeeded, failed or cancelled)."""
        return self.status in self.FINISHED_STATUSES

    @property
    def progress_fraction(self) -> float:
        """Fraction of the current phase done, in [0, 1]."""
        if self.status == self.Status.SUCCEEDED:
            return 1.0
        if not self.progress_total:
            return 0.0
        return max(0.0, min(1.0, self.progress_done / self.progress_total))

    @property
    def error_summary(self) -> str:
        """First line of the stored error (the page shows only this)."""
        return self.error.strip().splitlines()[0] if self.error.strip() else ""
