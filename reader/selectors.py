"""Reads: every query the pages and feeds need (services write; views never query)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Min

from reader import page_cache, search
from reader.models import Category, ListingEntry, Paper, PaperVersion
from reader.search import highlight
from reader.taxonomy import CategoryExpr

PAGE_SIZE = 25
SECTION_TITLES = dict(ListingEntry.SECTIONS)  # the model's choices, in listing order
SECTIONS = tuple(SECTION_TITLES)
SORTS = ("default", "time", "stars")
SEARCH_SORTS = ("relevance", "time", "stars")
# Only the columns a card shows (abstract_plain feeds its COinS span): a listing never loads
# source TeX, notes or hashes.
CARD_FIELDS = (
    "id",
    "arxiv_id",
    "latest_version",
    "title_html",
    "title_plain",
    "abstract_html",
    "abstract_plain",
    "authors",
    "authors_text",
    "primary_category",
    "categories",
    "first_published",
    "updated",
    "announce_date",
    "comment",
    "journal_ref",
    "doi",
    "stars",
)


@dataclass
class Listing:
    """One page of a day's listing: (section, paper) items in order, counts, paging."""

    day: date | None
    items: list[tuple[str, Paper]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    page: int = 1
    has_next: bool = False
    section_pages: dict[str, int] = field(default_factory=dict)
    previous_section: str | None = None  # section of the item just before this page
    prev_day: date | None = None
    next_day: date | None = None
    # arXiv ids of the day's papers not on this page, in listing order: a full page offers
    # every paper of the day to the Zotero Connector (unAPI ids), while cards load 25 at a time
    other_ids: list[str] = field(default_factory=list)


@dataclass
class SearchPage:
    """One page of search results (highlighted), the hit count and the page count."""

    query: search.ParsedQuery
    papers: list[Paper]
    total: int
    page: int
    pages: int


def paper_get(*, arxiv_id: str) -> Paper | None:
    """One paper by bare id, or None."""
    page_cache.depends_on(page_cache.paper_scope(arxiv_id))
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        page_cache.uncacheable()  # the page says "being fetched": no scope covers that
    return paper


def paper_versions(*, paper: Paper) -> list[PaperVersion]:
    """The paper's version history, oldest first."""
    return list(PaperVersion.objects.filter(paper=paper).order_by("version"))


def papers_by_pk(pks: Sequence[int]) -> list[Paper]:
    """Card-ready papers for primary keys, in the given order."""
    rows = Paper.objects.filter(pk__in=list(pks)).only(*CARD_FIELDS).in_bulk()
    papers = [rows[pk] for pk in pks if pk in rows]
    for paper in papers:
        # Set on every card: a template lookup of a missing attribute costs a dir() call.
        paper.author_hits = ()
    return papers


def paper_list_for_ids(*, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
    """Card-ready papers for bare ids (missing ids are simply absent)."""
    page_cache.depends_on(*(page_cache.paper_scope(a) for a in arxiv_ids))
    papers = Paper.objects.filter(arxiv_id__in=list(arxiv_ids)).only(*CARD_FIELDS)
    for paper in papers:
        paper.author_hits = ()
    found = {p.arxiv_id: p for p in papers}
    if len(found) < len(set(arxiv_ids)):
        page_cache.uncacheable()  # missing ids show their fetch state
    return found


def issue_latest(*, categories: Sequence[str]) -> date | None:
    """The latest announcement day that lists any of ``categories``."""
    qs = ListingEntry.objects.filter(category__in=list(categories))
    return qs.aggregate(day=Max("issue_date"))["day"]


def issue_neighbours(*, categories: Sequence[str], day: date) -> tuple[date | None, date | None]:
    """The announcement days just before and just after ``day`` for ``categories``."""
    qs = ListingEntry.objects.filter(category__in=list(categories))
    prev_day = qs.filter(issue_date__lt=day).aggregate(d=Max("issue_date"))["d"]
    next_day = qs.filter(issue_date__gt=day).aggregate(d=Min("issue_date"))["d"]
    return prev_day, next_day


def issue_days(*, limit: int = 10) -> list[dict]:
    """The latest announcement days with their paper counts: [{day, count}], newest first."""
    page_cache.depends_on(page_cache.DAYS)
    rows = (
        ListingEntry.objects.values("issue_date")
        .annotate(count=Count("paper", distinct=True))
        .order_by("-issue_date")[:limit]
    )
    return [{"day": r["issue_date"], "count": r["count"]} for r in rows]


def _ordered_entries(expr: CategoryExpr, day: date, sort: str) -> list[tuple[str, int]]:
    """(section, paper pk) for the whole day, deduplicated, excluded papers removed, sorted.

    Only the sorts that need them join the paper rows; the default order reads the listing
    index alone (a 500-paper day is one index range scan).
    """
    rows = ListingEntry.objects.filter(category__in=expr.include, issue_date=day)
    for code in expr.exclude:
        # Categories are a JSON list; the quoted code matches one element exactly.
        rows = rows.exclude(paper__categories__icontains=f'"{code}"')
    extra = {"stars": ("paper__stars",), "time": ("paper__first_published",)}.get(sort, ())
    best: dict[int, tuple] = {}
    for pk, section, position, *key in rows.values_list("paper_id", "section", "position", *extra):
        order = (SECTIONS.index(section), position, pk)
        if pk not in best or order < best[pk][0]:
            best[pk] = (order, key[0] if key else None)
    if sort == "stars":
        ordered = sorted(best.items(), key=lambda kv: (kv[1][0][0], -kv[1][1], kv[1][0]))
    elif sort == "time":
        ordered = sorted(
            best.items(),
            key=lambda kv: (kv[1][0][0], -(kv[1][1].timestamp() if kv[1][1] else 0), kv[1][0]),
        )
    else:
        ordered = sorted(best.items(), key=lambda kv: kv[1][0])
    return [(SECTIONS[v[0][0]], pk) for pk, v in ordered]


def paper_list_for_issue(
    *,
    expr: CategoryExpr,
    day: date | None,
    sort: str = "default",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    neighbours: bool = True,
) -> Listing:
    """One page of the listing of ``day`` (default: the latest day) for a category expression.

    Query count is constant in the number of papers: one query for the day's entries, one for
    the page's papers, one for the other papers' ids (full pages), and the day look-ups.
    """
    page_cache.depends_on(page_cache.DAYS)  # which days exist, before looking them up
    if day is None:
        day = issue_latest(categories=expr.include)
    listing = Listing(day=day, page=page)
    if day is None:
        return listing
    page_cache.depends_on(page_cache.day_scope(day))
    entries = _ordered_entries(expr, day, sort)
    listing.total = len(entries)
    for index, (section, _pk) in enumerate(entries):
        listing.counts[section] = listing.counts.get(section, 0) + 1
        listing.section_pages.setdefault(section, index // page_size + 1)
    start = (page - 1) * page_size
    window = entries[start : start + page_size]
    listing.has_next = start + page_size < len(entries)
    listing.previous_section = entries[start - 1][0] if 0 < start <= len(entries) else None
    papers = {p.pk: p for p in papers_by_pk([pk for _s, pk in window])}
    listing.items = [(s, papers[pk]) for s, pk in window if pk in papers]
    if neighbours:
        listing.prev_day, listing.next_day = issue_neighbours(categories=expr.include, day=day)
        shown = {pk for _s, pk in window}
        rest = [pk for _s, pk in entries if pk not in shown]
        ids = dict(Paper.objects.filter(pk__in=rest).values_list("pk", "arxiv_id")) if rest else {}
        listing.other_ids = [ids[pk] for pk in rest if pk in ids]
    return listing


def paper_list_for_issue_export(*, expr: CategoryExpr, day: date | None) -> tuple[date, list]:
    """Every paper of the day (default: the latest), in listing order, for a citation download."""
    page_cache.depends_on(page_cache.DAYS)
    day = day or issue_latest(categories=expr.include)
    if day is None:
        return None, []
    page_cache.depends_on(page_cache.day_scope(day))
    return day, papers_by_pk([pk for _s, pk in _ordered_entries(expr, day, "default")])


FEED_SECTIONS = ("new", "cross")  # a feed announces new papers, not replacements


def paper_list_for_feed(*, expr: CategoryExpr, limit: int = 500) -> tuple[date | None, list]:
    """The latest announcements of new papers and cross-lists, in listing order.

    From the latest day that has any: a day of replacements only would give an empty feed.
    """
    page_cache.depends_on(page_cache.DAYS)
    day = ListingEntry.objects.filter(
        category__in=list(expr.include), section__in=FEED_SECTIONS
    ).aggregate(day=Max("issue_date"))["day"]
    if day is None:
        return None, []
    page_cache.depends_on(page_cache.day_scope(day))
    entries = [(s, pk) for s, pk in _ordered_entries(expr, day, "default") if s != "replace"]
    return day, papers_by_pk([pk for _s, pk in entries[:limit]])


def _mark_search_hits(papers: list[Paper], parsed: search.ParsedQuery) -> None:
    """Replace the shown HTML with highlighted copies (escape first, then <mark>)."""
    words = parsed.highlight_words()
    author_words = parsed.author_words()
    for paper in papers:
        paper.title_html = highlight.highlight_html(paper.title_html, words)
        paper.abstract_html = highlight.highlight_html(paper.abstract_html, words)
        paper.author_hits = {
            a["name"]
            for a in paper.authors
            if any(w in search.fold(a["name"]).split() for w in author_words)
        }


def paper_list_for_query(
    *,
    parsed: search.ParsedQuery,
    sort: str = "relevance",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    highlight: bool = True,
) -> SearchPage:
    """One page of ranked search results for a parsed query."""
    pks, total = search.search_ids(
        parsed, sort=sort, limit=page_size, offset=(page - 1) * page_size
    )
    papers = papers_by_pk(pks)
    if highlight:
        _mark_search_hits(papers, parsed)
    pages = max(1, -(-total // page_size))
    return SearchPage(query=parsed, papers=papers, total=total, page=page, pages=pages)


def paper_related(*, paper: Paper, count: int = 10) -> tuple[list[str], list[Paper]]:
    """Related papers: the paper's top TF-IDF words as one OR query (Cool Papers' [REL])."""
    keywords = search.top_keywords(paper.title_plain, paper.abstract_plain)
    if not keywords:
        return [], []
    parsed = search.ParsedQuery(
        text=" OR ".join(keywords),
        clauses=[search.Clause((w,), either=i > 0) for i, w in enumerate(keywords)],
    )
    pks, _total = search.search_ids(parsed, limit=count, exclude_id=paper.pk)
    return keywords, papers_by_pk(pks)


def home_categories() -> dict:
    """Categories grouped by taxonomy group with counts on the latest day, plus recent days."""
    page_cache.depends_on(page_cache.DAYS)
    latest = ListingEntry.objects.aggregate(day=Max("issue_date"))["day"]
    counts = {}
    if latest:
        counts = dict(
            ListingEntry.objects.filter(issue_date=latest)
            .values_list("category")
            .annotate(n=Count("id"))
        )
    groups: dict[str, list[dict]] = {}
    for cat in Category.objects.values("code", "name", "group", "archive").order_by("code"):
        groups.setdefault(cat["group"] or "Other", []).append(
            {**cat, "count": counts.get(cat["code"], 0)}
        )
    return {"latest": latest, "groups": sorted(groups.items()), "days": issue_days()}
