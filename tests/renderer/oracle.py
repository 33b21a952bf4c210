"""Test helpers: an HTML5-parser oracle for executable output, and the TeX MathJax would read."""

import re

import html5lib

from renderer.sanitize import CLASSES, TAGS

FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "form", "svg", "math", "base"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
SAFE_SCHEMES = {"http", "https", "mailto"}
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def parse(fragment: str):
    """Parse an HTML fragment with html5lib into an etree element (no namespaces)."""
    return html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)


def _tag(el) -> str:
    return el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""


def problems(fragment: str) -> list[str]:
    """Everything executable or off the allow-list in `fragment`, as readable strings."""
    found = []
    root = parse(fragment)
    for el in root.iter():
        tag = _tag(el)
        if el is root or not tag:
            continue  # comments and the fragment root
        if tag in FORBIDDEN_TAGS or tag not in TAGS:
            found.append(f"tag <{tag}>")
        for name, value in el.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                found.append(f"event handler {name} on <{tag}>")
            if name in ("style", "id", "name"):
                found.append(f"attribute {name} on <{tag}>")
            if name == "class":
                extra = set(value.split()) - CLASSES.get(tag, set())
                if extra:
                    found.append(f"class {sorted(extra)} on <{tag}>")
            if name in URL_ATTRS:
                # html5lib has already decoded entities once, exactly as a browser does
                url = _CONTROL.sub("", value).lower()
                scheme = url.split(":", 1)[0] if re.match(r"^[a-z][a-z0-9+.-]*:", url) else ""
                if scheme and scheme not in SAFE_SCHEMES:
                    found.append(f"{scheme}: URL in {name} on <{tag}>")
    return found


def math_items(fragment: str) -> list[tuple[str, str]]:
    """(class, decoded text) of every .math element: what MathJax reads, delimiters included."""
    out = []
    for el in parse(fragment).iter():
        if _tag(el) in ("span", "div") and "math" in el.get("class", "").split():
            out.append((el.get("class"), "".join(el.itertext())))
    return out


def strip_delimiters(text: str) -> str:
    """The TeX between MathJax's \\( \\) or \\[ \\] delimiters (asserting they are there)."""
    assert text[:2] in ("\\(", "\\[") and text[-2:] == {"\\(": "\\)", "\\[": "\\]"}[text[:2]]
    return text[2:-2]
