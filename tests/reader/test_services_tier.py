"""Services tier: a real `celery worker` consumes a real task from Redis and writes to PostgreSQL."""

import pytest

from reader.models import Paper
from reader.tasks import papers_ingest_files_task
from tests.conftest import shared_path
from tests.workers import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_worker_ingests_files_from_redis_into_postgres(tmp_path):
    sample = shared_path("arxiv-samples/A/oai-pmh/saelim-2015_GetRecord_arXivRaw_1302.2146.xml")
    with celery_worker(queues="default", log=tmp_path / "worker.log"):
        purge_broker()
        papers_ingest_files_task.delay([str(sample)])
        paper = wait_for(
            lambda: Paper.objects.filter(arxiv_id="1302.2146").first(),
            timeout=90, what="the worker to write paper 1302.2146",
        )
    assert paper.title_html
    assert paper.versions.count() >= 1
