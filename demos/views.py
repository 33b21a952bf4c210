"""Demo pages: index, demo form, run creation (POST), live run page and its JSON for polling.

Views parse the request, call one selector or service, and map domain exceptions to responses
(400 with per-field messages, 429, 503); readers never see a stack trace.
"""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from demos import selectors, services
from demos.base import Demo, DemoParamsInvalid
from demos.forms import DemoRunForm
from demos.models import DemoRun
from reader.ratelimit import client_address as _client


def _demo_or_404(key: str) -> type[Demo]:
    demo = selectors.demo_get(key=key)
    if demo is None:
        raise Http404("no such demo")
    return demo


def _run_or_404(run_id) -> DemoRun:
    run = selectors.demo_run_get(run_id=run_id)
    if run is None:
        raise Http404("no such run")
    return run


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """All demos with their papers, grouped by family."""
    return render(request, "demos/index.html", {"families": selectors.demo_list_by_family()})


def _detail(request: HttpRequest, demo: type[Demo], form: DemoRunForm, status: int = 200):
    context = {
        "demo": demo,
        "card": selectors.demo_card(demo=demo),
        "papers": selectors.demo_papers(demo=demo),
        "description_html": selectors.demo_description_html(demo=demo),
        "form": form,
        "runs": selectors.demo_runs_recent(key=demo.key),
    }
    return render(request, "demos/demo_detail.html", context, status=status)


@require_GET
def detail(request: HttpRequest, key: str) -> HttpResponse:
    """Description, paper claims, the params form and recent runs of one demo."""
    demo = _demo_or_404(key)
    return _detail(request, demo, DemoRunForm(demo=demo))


@require_POST
def run_create(request: HttpRequest, key: str) -> HttpResponse:
    """Create or reuse a run, then 303 to its page; 400/429/503 with a readable page."""
    demo = _demo_or_404(key)
    form = DemoRunForm(request.POST, demo=demo)
    if form.is_valid():
        try:
            run, _ = services.demo_run_create(
                key=demo.key,
                size=form.run_size(),
                params=form.run_params(),
                paper_arxiv_id=request.POST.get("paper", ""),
                client=_client(request),
            )
        except DemoParamsInvalid as exc:
            form.add_param_errors(exc.errors)
        except services.DemoRateLimited as exc:
            return _refusal(request, demo, 429, exc.retry_after, "rate_limited")
        except services.DemoQueueFull:
            return _refusal(request, demo, 503, 30, "busy")
        else:
            response = HttpResponse(status=303)
            response["Location"] = reverse("demos:run_detail", kwargs={"run_id": run.id})
            return response
    if _wants_json(request):
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    return _detail(request, demo, form, status=400)


def _refusal(request: HttpRequest, demo: type[Demo], status: int, retry_after: int, reason: str):
    if _wants_json(request):
        response = JsonResponse({"error": reason, "retry_after": retry_after}, status=status)
    else:
        context = {"demo": demo, "reason": reason, "retry_after": retry_after}
        response = render(request, "demos/refused.html", context, status=status)
    response["Retry-After"] = str(retry_after)
    return response


@require_GET
def run_detail(request: HttpRequest, run_id) -> HttpResponse:
    """The live run page: pending, progress, then the result with plots and claim checks."""
    run = _run_or_404(run_id)
    demo = selectors.demo_get(key=run.demo_key)
    context = {
        "run": run,
        "demo": demo,
        "reading": selectors.demo_run_reading(run=run, demo=demo),
        "status": selectors.demo_run_status(run=run),
        "json_url": reverse("demos:run_json", kwargs={"run_id": run.id}),
    }
    return render(request, "demos/run_detail.html", context)


@never_cache
@require_GET
def run_json(request: HttpRequest, run_id) -> JsonResponse:
    """Polling payload: {status, queue_position, progress, result | error}."""
    run = selectors.demo_run_get(run_id=run_id)
    if run is None:
        return JsonResponse({"error": "no such run"}, status=404)
    return JsonResponse(selectors.demo_run_status(run=run))
