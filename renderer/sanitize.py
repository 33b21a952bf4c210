"""The nh3 allow-list: the last server step and the only place that decides what HTML survives.

Each earlier layer (raw HTML off, escaped TeX) is assumed to be able to fail, so this list is
deliberately small (design/rendering.md §2.7). No ``style`` attribute at all: table alignment
arrives as an ``align-*`` class instead. No ``id``/``name`` (DOM clobbering), no SVG/MathML,
no forms or embeds; links only http, https and mailto, always with rel noopener/noreferrer/nofollow.
"""

import nh3

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "span", "div",
}  # fmt: skip

ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}

# Languages we accept as code-fence classes; nh3 matches class names exactly.
CODE_LANGUAGES = (
    "bash c cpp css diff go haskell html java javascript js json julia latex lua markdown matlab "
    "python r ruby rust scala sh shell sql tex text toml ts typescript xml yaml"
).split()

ALIGN_CLASSES = {"align-left", "align-center", "align-right"}

CLASSES = {
    "span": {"math", "inline", "display"},
    "div": {"math", "block", "display", "amsmath"},
    "code": {f"language-{lang}" for lang in CODE_LANGUAGES},
    "th": ALIGN_CLASSES,
    "td": ALIGN_CLASSES,
}

URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"

_cleaner = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    allowed_classes=CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel=LINK_REL,
    strip_comments=True,
)


def sanitize(html: str) -> str:
    """Clean an HTML fragment with the renderer's allow-list."""
    return _cleaner.clean(html)
