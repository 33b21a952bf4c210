"""FAQ settings from the environment (on/off, the pre-generation beat entry) and the admin."""

import os
import subprocess
import sys

import pytest

from reader.models import PaperFaq
from tests.conftest import REPO_ROOT
from tests.factories import papers_create


def _settings(env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LLM_"))}
    code = (
        "import reader.settings as s;"
        "print(s.LLM_ENABLED, 'faqs-pregenerate' in s.CELERY_BEAT_SCHEDULE,"
        " s.CELERY_TASK_ROUTES['reader.faq.tasks.faq_generate_task']['queue'],"
        " s.LLM_PREGENERATE_CATEGORIES)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**base, "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
    )


def test_off_by_default_and_beat_entry_only_when_asked():
    off = _settings({})
    assert off.returncode == 0, off.stderr
    assert off.stdout.split() == ["False", "False", "llm", "[]"]
    on = _settings({"LLM_BASE_URL": "http://127.0.0.1:9/v1", "LLM_MODEL": "m"})
    assert on.stdout.split() == ["True", "False", "llm", "[]"]
    pre = _settings(
        {
            "LLM_BASE_URL": "http://127.0.0.1:9/v1",
            "LLM_MODEL": "m",
            "LLM_PREGENERATE_CATEGORIES": "cs.LG,cs.CL",
        }
    )
    assert pre.stdout.strip() == "True True llm ['cs.LG', 'cs.CL']"


def test_bad_numbers_stop_start_up_with_the_name():
    proc = _settings({"LLM_MAX_TOKENS": "lots"})
    assert proc.returncode != 0 and "LLM_MAX_TOKENS must be a whole number" in proc.stderr


@pytest.mark.django_db
def test_admin_lists_views_regenerates_and_deletes(admin_client, llm_server, llm_settings):
    llm_settings(llm_server(default={"kind": "answer", "tokens": ["x"], "finish": "stop"}))
    paper = papers_create()[0]
    faq = PaperFaq.objects.create(
        paper=paper, version=1, lang="en", model="test-model", prompt_version=1, status="done"
    )
    assert admin_client.get("/admin/reader/paperfaq/").status_code == 200
    page = admin_client.get(f"/admin/reader/paperfaq/{faq.pk}/change/")
    assert page.status_code == 200 and paper.arxiv_id in page.content.decode()
    response = admin_client.post(
        "/admin/reader/paperfaq/",
        {"action": "regenerate", "_selected_action": [faq.pk]},
        follow=True,
    )
    assert "Queued 1 answer(s) again." in response.content.decode()
    fresh = PaperFaq.objects.get()
    assert fresh.pk != faq.pk and fresh.status == "queued"
    response = admin_client.post(f"/admin/reader/paperfaq/{fresh.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not PaperFaq.objects.exists()
