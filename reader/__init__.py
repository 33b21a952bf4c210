"""Paper reader: Django project package and main app (arXiv ingest, browsing, Zotero export).

The Celery app is imported here so that every ``@shared_task`` binds to it (Celery's Django
recipe). Importing it does not import Django settings until a task is used.
"""

from reader.celery import app as celery_app

__all__ = ("celery_app",)
