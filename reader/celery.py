"""Celery app: configuration from Django settings (CELERY_ namespace), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reader.settings")

app = Celery("reader")
# https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["reader.faq"])  # reader/faq/tasks.py (queue `llm`)
