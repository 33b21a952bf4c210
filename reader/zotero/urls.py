"""Citation downloads and unAPI; included before the page URLs so ``<id>.bib`` is never a page.

``/arxiv/<id>.bib|.ris|.json`` for new- and old-style ids (optional ``vN``), the same for a
comma list of ids, and ``/unapi``. Ids that only look like ids fall through to the pages'
catch-all 404.
"""

from django.urls import path, re_path

from reader.arxiv import NEW_ID_PATTERN, OLD_ID_PATTERN, VERSION_PATTERN
from reader.zotero import views as export_views

_ID = rf"(?:{NEW_ID_PATTERN}|{OLD_ID_PATTERN})(?:{VERSION_PATTERN})?"
_EXTS = "|".join(export_views.EXT_FORMATS)

app_name = "zotero"
urlpatterns = [
    re_path(
        rf"^arxiv/(?P<ids>{_ID}(?:,{_ID})*)\.(?P<ext>{_EXTS})$",
        export_views.ids_export,
        name="export",
    ),
    path("unapi", export_views.unapi, name="unapi"),
]
