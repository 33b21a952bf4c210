"""Root URLconf: reader pages, the demos app, the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("demos/", include("demos.urls")),
    path("", include("reader.faq.urls")),
    path("", include("reader.zotero.urls")),
    path("", include("reader.urls_pages")),
]
