"""Citations and Zotero: what the Connector reads on our pages and the files readers download.

What each module owns (the first seven are PURE: plain dicts in, strings out, no Django):

- ``names``: author names split as (family, given), group authors kept whole.
- ``highwire``: the paper page's ``citation_*`` / DC / Open Graph tags; the DOI rule.
- ``coins``: the COinS KEV of each paper on list pages.
- ``ris``, ``csl``, ``bibtex``: the three download formats; ``exports``: body and file name.
- ``rdf``: Zotero RDF, what unAPI serves the Connector (a preprint with its PDF).
- ``selectors``: rows -> the plain citation dicts above (constant queries).
- ``views`` and ``urls``: ``/arxiv/<id>.bib|.ris|.json`` downloads and ``/unapi``.

Templates live in ``reader/templates/zotero/``, template tags in
``reader/templatetags/zotero_tags.py`` (Django looks for both in the app).
Every pure function takes the dict ``selectors.paper_citation_data`` builds (keys
``arxiv_id, version, title, authors, date, updated, abstract, doi, primary_category,
categories, comment, journal_ref, abs_url, pdf_url, license``).
"""

from reader.zotero.bibtex import bibtex_key, bibtex_keys, latex_escape, to_bibtex
from reader.zotero.coins import coins_kev
from reader.zotero.csl import to_csl_json
from reader.zotero.exports import EXPORT_FORMATS, export_body, export_filename
from reader.zotero.highwire import ARXIV_DOI_PREFIX, PUBLISHER, citation_doi, meta_pairs
from reader.zotero.names import split_name
from reader.zotero.ris import to_ris

__all__ = [
    "ARXIV_DOI_PREFIX",
    "EXPORT_FORMATS",
    "PUBLISHER",
    "bibtex_key",
    "bibtex_keys",
    "citation_doi",
    "coins_kev",
    "export_body",
    "export_filename",
    "latex_escape",
    "meta_pairs",
    "split_name",
    "to_bibtex",
    "to_csl_json",
    "to_ris",
]
