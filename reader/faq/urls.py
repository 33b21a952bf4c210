"""FAQ URLs under /arxiv/<id>/ (old-style ids contain a slash, hence the lazy pattern)."""

from django.urls import re_path

from reader.faq import views

app_name = "faq"
urlpatterns = [
    re_path(r"^arxiv/(?P<arxiv_id>[^,]+?)/faq\.json$", views.faq_json, name="json"),
    re_path(r"^arxiv/(?P<arxiv_id>[^,]+?)/faq$", views.faq_create, name="create"),
]
