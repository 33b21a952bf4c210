"""ASGI entry point (unused for now, kept for parity)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reader.settings")
application = get_asgi_application()
