"""Services tier: a real `celery worker` consumes a real task from Redis (and RabbitMQ) and
writes to PostgreSQL."""

import os

import pytest

from reader.celery import app
from reader.models import Paper
from reader.tasks import papers_ingest_files_task
from tests.conftest import shared_path, skip_or_fail
from tests.workers import celery_worker, purge_broker, require_services, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SAMPLE = "arxiv-samples/A/oai-pmh/saelim-2015_GetRecord_arXivRaw_1302.2146.xml"


def test_worker_ingests_files_from_redis_into_postgres(tmp_path):
    sample = shared_path(SAMPLE)
    with celery_worker(queues="default", log=tmp_path / "worker.log"):
        purge_broker()
        papers_ingest_files_task.delay([str(sample)])
        paper = wait_for(
            lambda: Paper.objects.filter(arxiv_id="1302.2146").first(),
            timeout=90,
            what="the worker to write paper 1302.2146",
        )
    assert paper.title_html
    assert list(paper.versions.values_list("version", flat=True)) == [1, 2]


def test_worker_on_rabbitmq(tmp_path):
    require_services()
    amqp = os.environ.get("READER_TEST_AMQP_URL", "")
    if not amqp:
        skip_or_fail("set READER_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672// for RabbitMQ")
    sample = shared_path(SAMPLE)
    with celery_worker(queues="default", log=tmp_path / "worker.log", broker=amqp):
        with app.connection_for_write(amqp) as conn:
            papers_ingest_files_task.apply_async(args=[[str(sample)]], connection=conn)
        wait_for(
            lambda: Paper.objects.filter(arxiv_id="1302.2146").exists(),
            timeout=90,
            what="the RabbitMQ worker to write paper 1302.2146",
        )
