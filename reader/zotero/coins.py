"""COinS: the Dublin Core KEV a listing page puts in one ``span.Z3988`` per paper."""

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from reader.zotero.highwire import PUBLISHER, citation_doi
from reader.zotero.names import clean

__all__ = ["coins_kev"]


_KEV_UNSAFE = re.compile(rb"[^A-Za-z0-9_.~-]")


def _kev_quote(text: str, safe: str = "", encoding=None, errors=None) -> str:
    """``urllib.parse.quote(text, safe="")``, byte for byte, without its per-byte Python loop.

    COinS spans carry whole abstracts, and on a listing page stdlib quoting of them was a
    quarter of the page's CPU time; only the unsafe bytes go through Python here.
    """
    data = text.encode(encoding or "utf-8", errors or "strict")
    return _KEV_UNSAFE.sub(lambda m: b"%%%02X" % m.group()[0], data).decode("ascii")


def coins_kev(d: Mapping) -> str:
    """Dublin Core KEV for a COinS span's title attribute (URL-encoded, not yet HTML-escaped)."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "preprint"),  # mtx:dc alone would give a web page
        ("rft.title", clean(d["title"])),
    ]
    # COinS needs at least one author, or Zotero runs network look-ups to "complete" the item.
    pairs += [("rft.au", clean(a)) for a in d["authors"]]
    pairs += [("rft.date", d["date"].isoformat()), ("rft.publisher", PUBLISHER)]
    if clean(d.get("abstract")):
        pairs.append(("rft.description", clean(d["abstract"])))
    # rft_id=info:doi/, not rft.identifier=urn:doi: (Zotero would store "doi:10...").
    pairs += [("rft_id", f"info:doi/{citation_doi(d)}"), ("rft_id", d["abs_url"])]
    return urlencode(pairs, quote_via=_kev_quote)
