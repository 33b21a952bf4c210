"""Reads for demos: the catalogue as page data, runs, queue positions and the polling payload.

Catalogue reads (demo_list, demo_get, demo_list_for_paper) touch no database table except for
paper titles, which come through reader.selectors.
"""

from functools import lru_cache
from typing import Any

from django.urls import reverse

from demos import catalog
from demos.base import Demo
from demos.models import DemoRun


def demo_get(*, key: str) -> type[Demo] | None:
    """The demo class registered under `key`, or None."""
    try:
        return catalog.get(key)
    except KeyError:
        return None


@lru_cache(maxsize=64)
def _description_html(key: str, version: int, text: str) -> str:
    """Sanitised HTML of a demo description (rendered once per process and demo version)."""
    from renderer import render_markdown

    return render_markdown(text)


def demo_description_html(*, demo: type[Demo]) -> str:
    """The demo's Markdown description as sanitised HTML (renderer output only)."""
    return _description_html(demo.key, demo.version, demo.description or "")


def demo_papers(*, demo: type[Demo]) -> list[dict[str, str]]:
    """[{arxiv_id, title}] for a demo's papers; the title is empty when the paper is not stored."""
    from reader.selectors import paper_get

    papers = []
    for arxiv_id in demo.arxiv_ids:
        paper = paper_get(arxiv_id=arxiv_id)
        papers.append({"arxiv_id": arxiv_id, "title": getattr(paper, "title_plain", "") or ""})
    return papers


def demo_card(*, demo: type[Demo]) -> dict[str, Any]:
    """Plain data describing one demo for lists and panels (no database access)."""
    return {
        "key": demo.key,
        "title": demo.title,
        "arxiv_ids": list(demo.arxiv_ids),
        "version": demo.version,
        "url": reverse("demos:detail", kwargs={"key": demo.key}),
        "run_url": reverse("demos:run_create", kwargs={"key": demo.key}),
    }


def demo_run_latest_verdict(*, key: str) -> dict[str, Any] | None:
    """The newest succeeded run of a demo as {url, passed, total} claim checks, or None."""
    row = (
        DemoRun.objects.filter(demo_key=key, status=DemoRun.Status.SUCCEEDED)
        .order_by("-finished_at")
        .values("id", "result__checks")  # only the checks, never the whole result
        .first()
    )
    if row is None:
        return None
    checks = row["result__checks"] or []
    return {
        "url": reverse("demos:run_detail", kwargs={"run_id": row["id"]}),
        "passed": sum(1 for c in checks if c.get("passed")),
        "total": len(checks),
    }


def demo_list() -> list[dict[str, Any]]:
    """Every demo in catalogue order, with its papers and the verdict of its latest run."""
    cards = []
    for demo in catalog.all_demos():
        cards.append(
            {
                **demo_card(demo=demo),
                "papers": demo_papers(demo=demo),
                "latest": demo_run_latest_verdict(key=demo.key),
            }
        )
    return cards


def demo_list_for_paper(arxiv_id: str) -> list[dict[str, Any]]:
    """Demos that illustrate the paper `arxiv_id` (bare id): [{key, title, url, run_url, ...}]."""
    return [demo_card(demo=d) for d in catalog.all_demos() if arxiv_id in d.arxiv_ids]


def demo_run_get(*, run_id: Any) -> DemoRun | None:
    """One run by UUID, or None."""
    return DemoRun.objects.filter(pk=run_id).first()


def demo_run_get_reusable(*, cache_key: str) -> DemoRun | None:
    """The queued, running or succeeded run for a cache key (at most one, by constraint)."""
    return DemoRun.objects.reusable().filter(cache_key=cache_key).first()


def demo_runs_queued_count() -> int:
    """How many runs wait for a worker (the global cap counts these)."""
    return DemoRun.objects.queued().count()


def demo_run_queue_position(*, run: DemoRun) -> int | None:
    """Jobs ahead of a queued run (running runs plus earlier queued ones); None if not queued."""
    if run.status != DemoRun.Status.QUEUED:
        return None
    earlier = DemoRun.objects.queued().filter(created_at__lt=run.created_at).count()
    return earlier + DemoRun.objects.filter(status=DemoRun.Status.RUNNING).count()


def demo_runs_recent(*, key: str, limit: int = 10) -> list[DemoRun]:
    """The latest runs of one demo, newest first (without the large result column)."""
    return list(
        DemoRun.objects.filter(demo_key=key).defer("result").order_by("-created_at")[:limit]
    )


def demo_run_status(*, run: DemoRun) -> dict[str, Any]:
    """The JSON polling payload: status, queue position, progress, then result or error."""
    payload: dict[str, Any] = {
        "id": str(run.id),
        "demo": run.demo_key,
        "size": run.size,
        "params": run.params,
        "status": run.status,
        "queue_position": demo_run_queue_position(run=run),
        "progress": {
            "done": run.progress_done,
            "total": run.progress_total,
            "fraction": round(run.progress_fraction, 4),
            "message": run.progress_message,
        },
        "attempts": run.attempts,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "url": reverse("demos:run_detail", kwargs={"run_id": run.id}),
        "finished": run.is_finished,
    }
    if run.status == DemoRun.Status.SUCCEEDED:
        payload["result"] = run.result
        payload["timings"] = run.timings
        payload["device"] = run.device
    elif run.status == DemoRun.Status.FAILED:
        payload["error"] = run.error_summary
    return payload


# ---- reading a run: verdict, parameters that differ from the defaults, units, families ----

# Family of a demo from its key prefix ("diffusion.few_step_samplers" -> "diffusion"), shown as
# a heading on /demos/. Unknown prefixes are shown capitalised, so a new family needs no edit.
FAMILY_NAMES = {
    "diffusion": "Diffusion samplers and training",
    "attention": "Attention and the KV cache",
    "optim": "Optimisation", "optimisation": "Optimisation", "optimization": "Optimisation",
    "ssm": "State-space models", "state_space": "State-space models",
    "vq": "Vector quantisation", "quantization": "Vector quantisation",
    "dlm": "Diffusion language models", "diffusion_lm": "Diffusion language models",
    "mdm": "Diffusion language models",
}  # fmt: skip
# Units read off a summary key's shape when the demo declares none for it.
UNIT_SUFFIXES = (("_us", "µs"), ("_ms", "ms"), ("_s", "s"), ("_TBps", "TB/s"),
                 ("_GBps", "GB/s"), ("_TFLOPS", "TFLOP/s"), ("_MB", "MB"), ("_GB", "GB"),
                 ("_bytes", "B"))  # fmt: skip
UNIT_PREFIXES = (("time_us_", "µs"), ("TBps_", "TB/s"), ("bytes_", "B"), ("elements_", "elements"))


def demo_family(key: str) -> str:
    """The display name of a demo's family, from the key's prefix."""
    prefix = key.split(".", 1)[0]
    return FAMILY_NAMES.get(prefix, prefix.replace("_", " ").capitalize())


def demo_list_by_family() -> list[dict[str, Any]]:
    """[{family, demos}] in catalogue order of each family's first demo."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for card in demo_list():
        groups.setdefault(demo_family(card["key"]), []).append(card)
    return [{"family": name, "demos": cards} for name, cards in groups.items()]


def summary_unit(demo: type[Demo] | None, key: str) -> str:
    """The unit of a summary value: the demo's declaration (longest prefix), else the key's shape."""
    declared = getattr(demo, "units", {}) or {}
    match = max((p for p in declared if key.startswith(p)), key=len, default=None)
    if match is not None:
        return declared[match]
    for prefix, unit in UNIT_PREFIXES:
        if key.startswith(prefix):
            return unit
    return next((unit for suffix, unit in UNIT_SUFFIXES if key.endswith(suffix)), "")


def demo_run_reading(*, run: DemoRun, demo: type[Demo] | None) -> dict[str, Any]:
    """What the run page shows above the tables: verdict, seeds, non-default params, units."""
    result = run.result or {}
    checks = result.get("checks") or []
    seeds = max((len(c.get("seeds") or []) for c in checks), default=0)
    non_default: list[str] = []
    if demo is not None and run.size in demo.sizes:
        from demos.base import DemoParamsInvalid, validate_params

        try:
            defaults = validate_params(demo, {}, run.size)
        except DemoParamsInvalid:
            defaults = {}
        non_default = [
            k for k, v in (run.params or {}).items() if k != "seed" and defaults.get(k) != v
        ]
    summary = result.get("summary") or {}
    return {
        "passed": sum(1 for c in checks if c.get("passed")),
        "total": len(checks),
        "seeds": seeds,
        "non_default": non_default,
        "summary_rows": [(k, v, summary_unit(demo, k)) for k, v in summary.items()],
    }
