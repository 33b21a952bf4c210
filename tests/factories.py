"""factory_boy factories; papers go through the real ingest service so their HTML is real."""

from datetime import UTC, date, datetime, timedelta

import factory

from reader.models import Category, Paper
from reader.services import paper_note_set, papers_upsert

MATH_TITLES = [
    r"Sharp bounds for $\alpha$-divergences under $L^2$ noise",
    r"Scaling laws $\mathcal{L}(N) \propto N^{-\beta}$ for sparse transformers",
    r"A note on \(\sum_{i=1}^n x_i^2\) and Schr\"odinger operators",
]
MATH_ABSTRACT = (
    r"We study $f(x) = \int_0^1 e^{-t x^2}\,dt$ and show that the error is $O(n^{-1/2})$. "
    r"Our estimator costs \$5 per run and satisfies $$\|\hat\theta - \theta\|_2 \le \epsilon$$ "
    r"with probability $1-\delta$. Keywords: {kw}."
)


class CategoryFactory(factory.django.DjangoModelFactory):
    """A category row (the taxonomy migration already seeds the real ones)."""

    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test.C{n}")
    name = factory.LazyAttribute(lambda o: f"Category {o.code}")
    archive = factory.LazyAttribute(lambda o: o.code.split(".", 1)[0])
    group = "Computer Science"


class EntryFactory(factory.DictFactory):
    """A parsed-entry dict as reader.arxiv produces it (input of services.papers_upsert)."""

    arxiv_id = factory.Sequence(lambda n: f"2511.{20000 + n:05d}")
    version = 1
    title = factory.Sequence(lambda n: MATH_TITLES[n % len(MATH_TITLES)] + f" (part {n})")
    abstract = factory.Sequence(lambda n: MATH_ABSTRACT.replace("{kw}", f"topic{n}"))
    authors = factory.LazyFunction(
        lambda: [{"name": "Ada Lovelace", "affiliation": None}, {"name": "Émile Borel"}]
    )
    primary_category = "cs.LG"
    categories = factory.LazyAttribute(lambda o: [o.primary_category])
    published = factory.Sequence(
        lambda n: datetime(2025, 11, 20, 15, tzinfo=UTC) - timedelta(minutes=n)
    )
    updated = factory.LazyAttribute(lambda o: o.published)
    comment = "12 pages, 3 figures"
    journal_ref = ""
    doi = ""
    license = "http://creativecommons.org/licenses/by/4.0/"
    announce_type = "new"
    announce_date = date(2025, 11, 21)
    position = factory.Sequence(int)


def papers_create(
    count: int = 1, *, listing_category: str = "cs.LG", stars=None, note: str = "", **fields
) -> list[Paper]:
    """Create ``count`` papers listed in ``listing_category`` through papers_upsert."""
    entries = EntryFactory.build_batch(count, **fields)
    papers_upsert(entries, listing_category=listing_category)
    by_id = Paper.objects.in_bulk([e["arxiv_id"] for e in entries], field_name="arxiv_id")
    papers = [by_id[e["arxiv_id"]] for e in entries]
    for i, paper in enumerate(papers):
        value = stars(i) if callable(stars) else stars
        if value:
            Paper.objects.filter(pk=paper.pk).update(stars=value)
            paper.stars = value
        if note:
            paper_note_set(paper=paper, note=note)
    return papers


class PaperFactory(factory.Factory):
    """``PaperFactory(title=..., stars=3)`` -> a stored, rendered Paper with a listing entry."""

    class Meta:
        model = Paper

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("papers are only created through the ingest service")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        listing_category = kwargs.pop("listing_category", "cs.LG")
        stars = kwargs.pop("stars", 0)
        note = kwargs.pop("note", "")
        return papers_create(
            1, listing_category=listing_category, stars=stars, note=note, **kwargs
        )[0]
