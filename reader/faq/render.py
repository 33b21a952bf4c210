"""An FAQ answer (untrusted model output) -> HTML: the renderer, then a stricter nh3 pass.

Pure (renderer + nh3, no Django). The renderer already turns raw HTML off and ends with its
own nh3 allow-list; a model answer is held to a narrower one on top, since a prompt injection
in a paper's abstract may make the model write links or images meant for the reader: links
keep only http(s) (no mailto, no relative URLs) and always carry rel nofollow/noopener, and images are dropped
(an image URL would call a third-party host from the reader's browser). nh3 stays the last step.
"""

import nh3

from renderer import render_markdown
from renderer.sanitize import ATTRIBUTES, CLASSES, LINK_REL, TAGS

_cleaner = nh3.Cleaner(
    tags=TAGS - {"img"},
    clean_content_tags={"script", "style"},
    attributes={tag: attrs for tag, attrs in ATTRIBUTES.items() if tag != "img"},
    allowed_classes=CLASSES,
    url_schemes={"http", "https"},
    url_relative="deny",  # a relative link would point into our own site
    link_rel=LINK_REL,
    strip_comments=True,
)


def render_answer(markdown: str) -> str:
    """Sanitised HTML for a (partial or complete) model answer; math spans MathJax-ready."""
    if not markdown:
        return ""
    return _cleaner.clean(render_markdown(markdown))
