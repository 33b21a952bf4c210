"""`rerender` re-renders stale rows; `import_notes` loads Markdown notes by file name."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import renderer
from reader import arxiv, search
from reader.models import Paper
from reader.services import papers_upsert

pytestmark = pytest.mark.django_db


def add_paper(arxiv_id: str, title: str = 'On $x^2$ and M\\"uller') -> Paper:
    entry = arxiv.new_entry()
    entry.update(
        arxiv_id=arxiv_id,
        version=1,
        title=title,
        abstract="Abstract with $a<b$.",
        authors=[{"name": "A. Author"}],
        primary_category="cs.LG",
        categories=["cs.LG"],
    )
    papers_upsert([entry])
    return Paper.objects.get(arxiv_id=arxiv_id)


def test_rerender_updates_only_stale_rows():
    fresh, stale = add_paper("2401.00001"), add_paper("2401.00002")
    Paper.objects.filter(pk=stale.pk).update(renderer_version="0+old", title_html="stale")
    out = StringIO()
    call_command("rerender", stdout=out, verbosity=0)
    assert out.getvalue().strip() == "re-rendered 1 paper(s)"
    stale.refresh_from_db()
    assert stale.renderer_version == renderer.RENDERER_VERSION
    assert stale.title_html == fresh.title_html
    assert '<span class="math inline">' in stale.title_html and "Müller" in stale.title_html
    out = StringIO()
    call_command("rerender", "--all", stdout=out, verbosity=0)
    assert out.getvalue().strip() == "re-rendered 2 paper(s)"


def test_render_chunk_drops_a_render_whose_source_changed_meanwhile(monkeypatch):
    """Rendering runs outside the write transaction: an ingest in between must win."""
    from reader.services import papers as paper_services

    racing, other = add_paper("2401.00004"), add_paper("2401.00005")
    Paper.objects.update(renderer_version="0+old", title_html="stale")
    real = paper_services.rendered_fields

    def render_then_race(**fields):
        if fields["title"].startswith("Racing"):
            return real(**fields)
        # another process re-ingests 2401.00004 while this chunk is being rendered
        entry = arxiv.new_entry()
        entry.update(
            arxiv_id="2401.00004", version=2, title="Racing $y$", abstract="New.",
            authors=[{"name": "B. Author"}], primary_category="cs.LG", categories=["cs.LG"],
        )  # fmt: skip
        papers_upsert([entry])
        return real(**fields)

    monkeypatch.setattr(paper_services, "rendered_fields", render_then_race)
    assert paper_services.papers_render_ids([racing.pk, other.pk]) == 2
    racing.refresh_from_db()
    other.refresh_from_db()
    assert racing.title == "Racing $y$" and "Racing" in racing.title_html  # not overwritten
    assert other.renderer_version == renderer.RENDERER_VERSION and other.title_html != "stale"
    # The chunk re-indexed both rows, the dropped one as the ingest left it.
    assert _search("racing") == ["2401.00004"] and _search("müller") == ["2401.00005"]
    assert _search("abstract") == ["2401.00005"]  # the ingest replaced 00004's abstract
    _assert_fts_index_intact()


def _search(query: str) -> list[str]:
    ids, _ = search.search_ids(search.parse_query(query))
    return sorted(Paper.objects.filter(pk__in=ids).values_list("arxiv_id", flat=True))


def _assert_fts_index_intact() -> None:
    """SQLite: FTS5 compares its index with the content view row by row (raises if not)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO reader_paper_fts(reader_paper_fts, rank) VALUES ('integrity-check', 1)"
            )
            cursor.execute("SELECT count(*) FROM reader_fts_bulk")
            assert cursor.fetchone() == (0,)  # the per-row triggers are back on


def test_render_chunk_keeps_the_search_index_in_step():
    """A chunk replaces the index entries of its rows in bulk: words of the old rendering go,
    the new ones come, other rows keep theirs, and later single writes index as before."""
    first, second, untouched = (add_paper(f"2401.0001{n}") for n in range(3))
    Paper.objects.filter(pk__in=[first.pk, second.pk]).update(
        renderer_version="0+old", abstract_plain="obsolete wording"
    )
    # A direct UPDATE goes through the per-row trigger.
    assert _search("obsolete") == ["2401.00010", "2401.00011"]
    Paper.objects.filter(pk=untouched.pk).update(abstract="Zebra.", abstract_plain="zebra")
    from reader.services.papers import papers_render_ids

    assert papers_render_ids([first.pk, second.pk, untouched.pk]) == 2
    assert _search("obsolete") == []
    assert _search("abstract") == ["2401.00010", "2401.00011"]
    assert _search("zebra") == ["2401.00012"]
    _assert_fts_index_intact()
    Paper.objects.filter(pk=first.pk).update(title_plain="Renamed")
    assert _search("renamed") == ["2401.00010"]
    _assert_fts_index_intact()


def test_deferred_rows_show_escaped_source_until_rendered():
    entry = arxiv.new_entry()
    entry.update(
        arxiv_id="2401.00003", title="<b>$x$</b>", primary_category="cs.LG", categories=["cs.LG"]
    )
    papers_upsert([entry], render=False)
    paper = Paper.objects.get()
    assert (paper.title_html, paper.renderer_version) == ("&lt;b&gt;$x$&lt;/b&gt;", "")
    call_command("rerender", stdout=StringIO(), verbosity=0)
    paper.refresh_from_db()
    assert paper.renderer_version == renderer.RENDERER_VERSION
    assert "<b>" not in paper.title_html


def test_import_notes_renders_markdown_and_maps_old_style_names(tmp_path):
    add_paper("2401.06769")
    old = add_paper("hep-th/9901001")
    (tmp_path / "2401.6769.md").write_text("A note with $\\alpha$ and <script>x</script>.")
    (tmp_path / "hep-th_9901001.md").write_text("# Old style\n\n$$E=mc^2$$")
    out = StringIO()
    call_command("import_notes", str(tmp_path), stdout=out, stderr=out)
    assert "imported 2 note(s), failed 0" in out.getvalue()
    note_html = Paper.objects.get(arxiv_id="2401.06769").note_html
    assert '<span class="math inline">\\(\\alpha\\)</span>' in note_html
    assert "<script" not in note_html
    old.refresh_from_db()
    assert old.note_html == '<h1>Old style</h1>\n<div class="math block">\\[E=mc^2\\]</div>\n'


def test_import_notes_names_unknown_and_bad_files(tmp_path):
    (tmp_path / "2401.99999.md").write_text("x")
    (tmp_path / "not-an-id.md").write_text("x")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_notes", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "FAILED 2401.99999.md: paper 2401.99999 is not in the database" in err.getvalue()
    assert "FAILED not-an-id.md" in err.getvalue()


def test_rerender_task_fans_out_chunks_that_render_every_stale_row(monkeypatch):
    from reader import tasks

    papers = [add_paper(f"2401.0001{i}") for i in range(5)]
    Paper.objects.update(renderer_version="")
    chunks = []
    real = tasks.papers_render_ids_task.delay
    from reader.services import papers as paper_services

    monkeypatch.setattr(paper_services, "RENDER_CHUNK", 2)
    monkeypatch.setattr(
        tasks.papers_render_ids_task, "delay", lambda ids: chunks.append(ids) or real(ids)
    )
    assert tasks.papers_rerender_stale_task.delay().get() == 5
    assert chunks == [[p.pk for p in papers][i : i + 2] for i in (0, 2, 4)]
    assert set(Paper.objects.values_list("renderer_version", flat=True)) == {
        renderer.RENDERER_VERSION
    }
    assert tasks.papers_render_ids_task.delay([papers[0].pk]).get() == 0  # already current
