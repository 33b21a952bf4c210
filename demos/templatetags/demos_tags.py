"""Formatting filters for demo pages (they format values they are given; they never query)."""

import math

from django import template

register = template.Library()


@register.filter
def demo_value(value) -> str:
    """A result value as short text: 4 significant digits for floats, yes/no for bools."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0 or 1e-3 <= abs(value) < 1e5:
            return f"{value:.4g}"
        return f"{value:.3e}"
    if isinstance(value, (list, tuple)):
        return ", ".join(demo_value(v) for v in value)
    return str(value)


@register.filter
def demo_cell(value) -> str:
    """A paper's number exactly as published (no rounding); None as a dash."""
    if value is None:
        return "—"
    return str(value)


@register.filter
def demo_percent(fraction) -> int:
    """A fraction in [0, 1] as a whole percentage."""
    try:
        return max(0, min(100, int(round(float(fraction) * 100))))
    except (TypeError, ValueError):
        return 0


@register.filter
def demo_label(name: str) -> str:
    """A snake_case key as words ("fd_vs_nfe" -> "fd vs nfe")."""
    return str(name).replace("_", " ")


@register.filter
def demo_is_number(value) -> bool:
    """True for int and float cells (not bools): they are kept on one line in tables."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@register.filter
def demo_labelled(row, columns) -> list[tuple[str, object]]:
    """A table row's cells with their column names (a phone shows each cell under its name)."""
    columns = list(columns or [])
    return [(columns[i] if i < len(columns) else "", cell) for i, cell in enumerate(row)]


@register.inclusion_tag("demos/_paper_panel.html", takes_context=True)
def demo_panel(context, paper) -> dict:
    """The live-demo panel of a paper page: the demos whose papers include this one.

    A tag of the demos app, so the reader app never imports demos (architecture §1.2).
    """
    from demos.selectors import demo_list_for_paper

    return {
        "demos": demo_list_for_paper(paper.arxiv_id),
        "paper": paper,
        "csrf_token": context.get("csrf_token"),
    }
