"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reader.settings")
application = get_wsgi_application()

# Load the URLconf now (it imports the demo catalogue, and with it torch: seconds), so a
# worker's first request does not pay for it. Importing torch never initialises CUDA.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
