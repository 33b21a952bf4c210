"""Storage for papers, their versions, the category taxonomy, daily listings and ingest state."""

from django.db import models

from reader.arxiv import ids


class Category(models.Model):
    """An arXiv category (e.g. ``cs.LG``); alias codes (``math.IT`` for ``cs.IT``) are merged."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    archive = models.CharField(max_length=32, db_index=True)
    group = models.CharField(max_length=64, blank=True)
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class PaperQuerySet(models.QuerySet):
    """Reusable filters over papers."""

    def in_category(self, code: str) -> "PaperQuerySet":
        """Papers whose primary or cross-list categories include ``code``."""
        return self.filter(listing_entries__category=code).distinct()


class Paper(models.Model):
    """One arXiv paper, keyed by its bare id; source text beside its pre-rendered HTML."""

    arxiv_id = models.CharField(max_length=64, unique=True)
    latest_version = models.PositiveIntegerField(default=1)
    title = models.TextField()
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)  # [{"name": ..., "affiliation": ...}]
    authors_text = models.TextField(blank=True)  # "A, B, C" unicode, for search and display
    primary_category = models.CharField(max_length=32)  # indexed in Meta (no PG _like twin)
    categories = models.JSONField(default=list, blank=True)  # primary first
    first_published = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(null=True, blank=True)
    announce_date = models.DateField(null=True, blank=True, db_index=True)
    comment = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=255, blank=True)
    license = models.CharField(max_length=255, blank=True)
    # Written only by services.paper_render, from the renderer.
    title_html = models.TextField(blank=True)
    title_plain = models.TextField(blank=True)
    abstract_html = models.TextField(blank=True)
    abstract_plain = models.TextField(blank=True)
    # Not indexed: the stale-render query is a `!=`, which scans anyway, and every index
    # costs a write per row in a bulk import.
    renderer_version = models.CharField(max_length=100, blank=True)
    # Hash of the source fields: a re-ingest of identical metadata is a cheap no-op.
    source_hash = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True, help_text="Markdown with math, shown on the paper page.")
    note_html = models.TextField(blank=True)
    stars = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-arxiv_id"]
        indexes = [models.Index(fields=["primary_category"], name="paper_primary_category")]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    @property
    def abs_url(self) -> str:
        """arXiv's abstract page."""
        return ids.abs_url(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        """arXiv's PDF for the latest version (we never re-host PDFs)."""
        return ids.pdf_url(self.arxiv_id, self.latest_version)


class PaperVersion(models.Model):
    """One submitted version of a paper (withdrawals appear as versions too)."""

    # No index of its own: the (paper, version) unique index serves lookups by paper, and
    # one index fewer is one B-tree write fewer per row in a bulk import.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    submitted = models.DateTimeField(null=True, blank=True)
    size = models.CharField(max_length=32, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["paper", "version"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "version"], name="paperversion_unique")
        ]

    def __str__(self) -> str:
        return ids.with_version(self.paper.arxiv_id, self.version)


class ListingEntry(models.Model):
    """A paper's appearance in one category's announcement of one day."""

    SECTIONS = [("new", "New"), ("cross", "Cross-lists"), ("replace", "Replacements")]

    # Served by the (paper, category, issue_date) unique index, as PaperVersion.paper is.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="listing_entries", db_index=False
    )
    category = models.CharField(max_length=32)
    issue_date = models.DateField()
    section = models.CharField(max_length=8, choices=SECTIONS)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["issue_date", "category", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "category", "issue_date"], name="listingentry_unique"
            )
        ]
        indexes = [models.Index(fields=["category", "issue_date", "section", "position"])]

    def __str__(self) -> str:
        return f"{self.category} {self.issue_date} {self.section}: {self.paper_id}"


class ArxivThrottle(models.Model):
    """The single row that spaces requests to arXiv across every process and machine."""

    key = models.CharField(max_length=32, unique=True, default="arxiv")
    holder = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_free_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: next free {self.next_free_at}"


class HarvestState(models.Model):
    """Where the last successful OAI-PMH harvest of a set ended (its responseDate)."""

    set_spec = models.CharField(max_length=64, unique=True)  # "" means all of arXiv
    last_response_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.set_spec or '*'} until {self.last_response_date}"


class FeedState(models.Model):
    """The announcement date (channel pubDate) last read from a category's RSS feed.

    arXiv's feeds have served the previous announcement for hours (arxiv.md, "Staleness"):
    a feed whose date does not advance when a newer announcement is due is stale.
    """

    category = models.CharField(max_length=32, unique=True)
    announce_date = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.category} at {self.announce_date}"


class SnapshotImport(models.Model):
    """Progress of a bulk snapshot import, so an interrupted import resumes where it stopped."""

    path = models.CharField(max_length=500)
    file_size = models.BigIntegerField()
    file_mtime = models.FloatField()
    lines_done = models.BigIntegerField(default=0)
    byte_offset = models.BigIntegerField(default=0)
    finished = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["path", "file_size", "file_mtime"], name="snapshotimport_unique"
            )
        ]


class PaperRequest(models.Model):
    """An on-demand fetch of a paper that a reader asked for but we do not have yet."""

    STATUSES = [("pending", "pending"), ("not_found", "not found"), ("failed", "failed")]
    REASONS = [
        ("", "-"),
        ("unreachable", "arXiv could not be reached"),
        ("rate_limited", "arXiv asked us to slow down (rate limited)"),
        ("not_found", "arXiv has no paper with this id"),
        ("error", "arXiv's answer could not be used"),
    ]

    arxiv_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=STATUSES, default="pending")
    reason = models.CharField(max_length=16, choices=REASONS, blank=True, default="")
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # fetches that ended without the paper
    next_try_at = models.DateTimeField(null=True, blank=True)  # no automatic fetch before

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.status}"


class PaperFaq(models.Model):
    """A language-model FAQ about one paper version, in one language, from one model and prompt.

    The row is the job record and the cache: a conditional unique constraint makes "one live or
    finished answer per (paper, version, lang, model, prompt version)" a database fact, so
    concurrent clicks attach to one row. Failed rows are kept (with their error) but not reused.
    `html` is written only by reader.faq.services, from the renderer.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    REUSABLE_STATUSES = (Status.QUEUED, Status.RUNNING, Status.DONE)

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="faqs")
    version = models.PositiveIntegerField()
    lang = models.CharField(max_length=8)
    model = models.CharField(max_length=200)
    prompt_version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    markdown = models.TextField(blank=True)
    html = models.TextField(blank=True)
    renderer_version = models.CharField(max_length=100, blank=True)
    finish_reason = models.CharField(max_length=32, blank=True)
    truncated = models.BooleanField(default=False)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    full_text_chars = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    first_token_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "version", "lang", "model", "prompt_version"],
                condition=models.Q(status__in=["queued", "running", "done"]),
                name="paperfaq_one_reusable_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="paperfaq_status_created"),
            models.Index(fields=["paper", "lang", "-created_at"], name="paperfaq_paper_lang"),
            models.Index(fields=["finished_at"], name="paperfaq_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} v{self.version} {self.lang} {self.model} {self.status}"


class RateCounter(models.Model):
    """One fixed-window counter of reader.ratelimit (database backend); the key names the window."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class PageVersion(models.Model):
    """A data version for cached pages: a new random token whenever data in its scope changes.

    Scopes (reader.page_cache): ``days`` (which announcement days exist and their counts),
    ``day:<YYYY-MM-DD>`` (the papers listed that day), ``paper:<bucket>`` (paper pages, by a
    hash bucket of the id). Services replace the token in the transaction that changes the
    data; a cached page stores the tokens it was built with and is used only while they hold.
    """

    scope = models.CharField(max_length=40, primary_key=True)
    token = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.scope}={self.token}"
