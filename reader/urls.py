"""Root URLconf: reader pages, the demos app, the admin."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # Browsers and feed readers ask for /favicon.ico whatever the page links (base.html).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("demos/", include("demos.urls")),
    path("", include("reader.faq.urls")),
    path("", include("reader.zotero.urls")),
    path("", include("reader.urls_pages")),
]

# The site's own error pages; they never read the request body (reader/views/errors.py).
handler400 = "reader.views.errors.bad_request"
handler404 = "reader.views.errors.page_not_found"
handler500 = "reader.views.errors.server_error"
