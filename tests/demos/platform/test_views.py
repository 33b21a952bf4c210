"""Demo pages: index, detail form, POST (303/400/429/503, CSRF), run page, JSON endpoint."""

import json
import uuid

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from demos.models import DemoRun
from tests.demos.platform.conftest import FAKE_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_enqueue(monkeypatch):
    from demos.tasks import demo_run_execute_task

    monkeypatch.setattr(demo_run_execute_task, "apply_async", lambda *a, **kw: None)


def _post(client, data, key=FAKE_KEY, **extra):
    return client.post(reverse("demos:run_create", kwargs={"key": key}), data, **extra)


def _full_form(**overrides):
    data = {
        "all_params": "1",
        "size": "smoke",
        "seed": "0",
        "scale": "1.0",
        "mode": "a",
        "flag": "on",
    }
    data.update(overrides)
    return data


def test_index_lists_every_catalogue_demo_with_its_papers(client):
    from demos import catalog

    response = client.get("/demos/")
    assert response.status_code == 200
    html = response.content.decode()
    for demo in catalog.all_demos():
        assert demo.title in html or demo.title.replace("'", "&#x27;") in html
        assert f'href="/demos/{demo.key}/"' in html
        for arxiv_id in demo.arxiv_ids:
            assert f"arXiv:{arxiv_id}" in html


def test_index_groups_demos_by_family_in_catalogue_order(client):
    html = client.get("/demos/").content.decode()
    heads = ["Diffusion samplers and training", "Attention and the KV cache"]
    positions = [html.index(f'-h">{h}</h2>') for h in heads]
    assert positions == sorted(positions)
    assert positions[0] < html.index("Few-step diffusion samplers") < positions[1]
    assert 'href="#family-2"' in html


def test_grouping_keeps_catalogue_order_within_and_across_families(monkeypatch):
    from demos import selectors

    keys = ["diffusion.a", "attention.b", "diffusion.c", "vq.d", "attention.e"]
    monkeypatch.setattr(selectors, "demo_list", lambda: [{"key": k} for k in keys])
    groups = selectors.demo_list_by_family()
    assert [g["family"] for g in groups] == [
        "Diffusion samplers and training", "Attention and the KV cache", "Vector quantisation",
    ]  # fmt: skip
    assert [[d["key"] for d in g["demos"]] for g in groups] == [
        ["diffusion.a", "diffusion.c"], ["attention.b", "attention.e"], ["vq.d"],
    ]  # fmt: skip


@pytest.mark.parametrize(
    "key,family",
    [("diffusion.x", "Diffusion samplers and training"), ("vq.divq", "Vector quantisation"),
     ("ssm.hippo", "State-space models"), ("optim.muon", "Optimisation"),
     ("dlm.reversal", "Diffusion language models"), ("new_family.x", "New family")],
    ids=lambda v: v if "." in v else None,
)  # fmt: skip
def test_family_names(key, family):
    from demos.selectors import demo_family

    assert demo_family(key) == family


def test_index_shows_the_latest_verdict(client, make_run, monkeypatch):
    from demos import catalog
    from demos.services import demo_run_execute

    monkeypatch.setattr(catalog, "ORDER", (FAKE_KEY,))
    html = client.get("/demos/").content.decode()
    assert "Not run yet" in html
    run = make_run()
    demo_run_execute(run_id=str(run.id))
    html = client.get("/demos/").content.decode()
    assert "Latest run: 1 of 2 claim checks hold" in html and f"/demos/runs/{run.id}/" in html


def test_detail_shows_description_form_claims_caveats_and_runs(client, make_run):
    make_run(status="succeeded")
    response = client.get(f"/demos/{FAKE_KEY}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="math inline"' in html  # the description went through the renderer
    for name in ("seed", "scale", "mode", "flag", "size"):
        assert f'name="{name}"' in html
    assert 'name="width"' not in html  # a full-only knob while only smoke is offered
    assert 'max="10.0"' in html and "csrfmiddlewaretoken" in html
    assert "Paper table" in html and "6.61" in html and "A toy." in html
    assert "Recent runs" in html and "succeeded" in html


def test_unknown_demo_and_run_are_404(client):
    assert client.get("/demos/nope.nope/").status_code == 404
    assert _post(client, {}, key="nope.nope").status_code == 404
    missing = uuid.uuid4()
    assert client.get(f"/demos/runs/{missing}/").status_code == 404
    assert client.get(f"/demos/runs/{missing}.json").status_code == 404


def test_post_creates_a_run_and_redirects_with_303(client, echo_demo, no_enqueue):
    response = _post(client, _full_form(scale="2.5"))
    run = DemoRun.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/demos/runs/{run.id}/"
    assert run.params == {"flag": True, "mode": "a", "scale": 2.5, "seed": 0}


def test_unchecked_box_is_false_but_panel_post_uses_defaults(client, echo_demo, no_enqueue):
    form = _full_form()
    del form["flag"]
    _post(client, form)
    _post(client, {})  # the paper panel's one-click form sends no params and no size
    assert sorted(r.params["flag"] for r in DemoRun.objects.all()) == [False, True]
    assert {r.size for r in DemoRun.objects.all()} == {"smoke"}


def test_same_post_twice_shares_one_run(client, echo_demo, no_enqueue):
    first = _post(client, _full_form())
    second = _post(client, _full_form())
    assert first["Location"] == second["Location"] and DemoRun.objects.count() == 1


def test_invalid_params_give_400_with_per_field_messages(client, echo_demo, no_enqueue):
    response = _post(client, _full_form(scale="99", mode="zzz", seed="x"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Traceback" not in html
    assert "Ensure this value is less than or equal to 10.0" in html
    assert "Select a valid choice" in html and "Enter a whole number" in html
    assert html.count('class="errorlist"') >= 3
    assert DemoRun.objects.count() == 0


def test_schema_errors_from_the_service_are_attached_to_fields(client, echo_demo, no_enqueue):
    response = _post(client, _full_form(mode="b", scale="7"))  # a cross-field limit
    assert response.status_code == 400
    assert 'id="id_scale_errors"' in response.content.decode()
    assert "at most 5 in mode b" in response.content.decode()
    response = _post(client, _full_form(size="full"))  # not offered on this deployment
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_invalid_params_as_json(client, echo_demo):
    response = _post(client, _full_form(scale="0"), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "scale" in response.json()["errors"]


def test_post_requires_csrf(echo_demo, no_enqueue):
    csrf_client = Client(enforce_csrf_checks=True)
    assert _post(csrf_client, _full_form()).status_code == 403
    assert DemoRun.objects.count() == 0


def test_get_on_the_create_url_is_not_allowed(client, echo_demo):
    assert client.get(reverse("demos:run_create", kwargs={"key": FAKE_KEY})).status_code == 405


@override_settings(DEMOS_RUNS_PER_MINUTE=2)
def test_rate_limit_answers_429_with_retry_after(client, echo_demo, no_enqueue):
    for seed in range(2):
        assert _post(client, _full_form(seed=str(seed))).status_code == 303
    response = _post(client, _full_form(seed="7"))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many runs" in response.content.decode()


MISSING_CACHE_TABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "demos_cache_table_never_created",  # as before `createcachetable`
    }
}
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: connection refused
    }
}


@override_settings(CACHES=MISSING_CACHE_TABLE, DEMOS_RUNS_PER_MINUTE=2)
def test_missing_cache_table_changes_nothing(client, echo_demo, no_enqueue):
    """The limit's counters live in a table that `migrate` creates (reader.ratelimit), so a
    site without `createcachetable` takes runs (never a 500) and still limits them."""
    for seed in range(2):
        assert _post(client, _full_form(seed=str(seed))).status_code == 303
    assert _post(client, _full_form(seed="7")).status_code == 429
    assert DemoRun.objects.count() == 2


@override_settings(CACHES=REDIS_DOWN, DEMOS_RUNS_PER_MINUTE=2)
def test_cache_server_down_allows_the_run_with_a_warning(client, echo_demo, no_enqueue, caplog):
    """With REDIS_CACHE_URL set the counters are Redis INCRs: a server that is down lets the
    run through (over the limit of 2 too) with a logged warning, and the transaction survives."""
    with caplog.at_level("WARNING", logger="demos.services"):
        for seed in range(3):
            assert _post(client, _full_form(seed=str(seed))).status_code == 303
    assert DemoRun.objects.count() == 3
    assert "rate limit not applied" in caplog.text and "ConnectionError" in caplog.text


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "client_address"),
    [
        (0, "198.51.100.7", "10.0.0.2", "10.0.0.2"),  # no proxy configured: header ignored
        (1, "198.51.100.7", "10.0.0.2", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "10.0.0.2", "198.51.100.7"),  # a spoofed left entry
        (2, "198.51.100.7, 10.0.0.9", "10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2", "10.0.0.2"),  # shorter than the proxy chain
        (1, "not-an-address", "10.0.0.2", "10.0.0.2"),
        (1, " 2001:db8::1 ", "10.0.0.2", "2001:db8::1"),
    ],
)
def test_rate_limit_counts_the_client_behind_trusted_proxies(
    rf, proxies, forwarded, remote, client_address
):
    from demos.views import _client

    request = rf.post("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert _client(request) == client_address


@override_settings(DEMOS_RUNS_PER_MINUTE=1, TRUSTED_PROXY_COUNT=1)
def test_clients_behind_one_proxy_have_their_own_limits(client, echo_demo, no_enqueue):
    first = {"HTTP_X_FORWARDED_FOR": "198.51.100.7", "REMOTE_ADDR": "10.0.0.2"}
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "REMOTE_ADDR": "10.0.0.2"}
    assert _post(client, _full_form(seed="1"), **first).status_code == 303
    assert _post(client, _full_form(seed="2"), **first).status_code == 429
    assert _post(client, _full_form(seed="3"), **second).status_code == 303


@override_settings(DEMOS_MAX_QUEUED=1)
def test_queue_full_answers_503_busy(client, make_run, no_enqueue):
    make_run(params={"seed": 5})
    response = _post(client, _full_form(seed="6"))
    assert response.status_code == 503
    assert "Busy" in response.content.decode() and response["Retry-After"] == "30"
    json_response = _post(client, _full_form(seed="6"), HTTP_ACCEPT="application/json")
    assert json_response.status_code == 503 and json_response.json()["error"] == "busy"


def test_run_page_queued_shows_pending_and_polls(client, make_run):
    make_run(status="running", params={"seed": 1})
    run = make_run(params={"seed": 2})
    html = client.get(f"/demos/runs/{run.id}/").content.decode()
    assert "Waiting: 1 run ahead" in html
    assert f'data-status-url="/demos/runs/{run.id}.json"' in html
    assert "js/demos.js" in html and "<script>" not in html  # CSP: no inline scripts


def test_run_page_running_shows_progress(client, make_run):
    run = make_run(status="running", progress_done=3, progress_total=4, progress_message="samplers")
    html = client.get(f"/demos/runs/{run.id}/").content.decode()
    assert "Loading 75%" in html and "width: 75%" in html and "samplers" in html


def test_run_page_succeeded_shows_checks_claims_plots_timings_env(client, make_run):
    run = make_run()
    from demos.services import demo_run_execute

    demo_run_execute(run_id=str(run.id))
    html = client.get(f"/demos/runs/{run.id}/").content.decode()
    assert "Finished" in html
    assert "slope is 2" in html and "holds" in html and "does not hold" in html
    assert "1 of 2</strong> claim checks hold" in html
    assert "Every value this run measured" in html and "The paper's own tables" in html
    assert "6.61" in html and 'data-plot="curve"' in html
    assert "Timings" in html and "wall_s" in html and "Environment" in html
    # the reader's question first: the comparison, then the checks, the raw summary last
    order = [html.index(s) for s in ("The paper beside ours", "Does the claim reproduce?",
                                     "Every value this run measured", "Environment")]  # fmt: skip
    assert order == sorted(order)
    # a failed check says what was expected and what was seen; defaults: no excuse offered
    assert "The claim expected &gt; 1; this run observed 0." in html
    assert "The run used the default parameters" in html


def test_failed_check_at_non_default_params_says_a_claim_may_fail(client, make_run):
    run = make_run(params={"scale": "3", "mode": "b"})
    from demos.services import demo_run_execute

    demo_run_execute(run_id=str(run.id))
    html = client.get(f"/demos/runs/{run.id}/").content.decode()
    assert "This run changed mode, scale from the defaults" in html
    assert "a claim may legitimately fail" in html


def test_per_seed_checks_list_every_seed(client, make_run, echo_demo, monkeypatch):
    from demos.base import seed_check

    per_seed = {0: (1.5, True), 1: (0.7, False), 2: (1.9, True)}
    original = echo_demo.run

    def run(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        result["checks"] = [seed_check("gap", "gap above 1 on every seed", "> 1", per_seed)]
        return result

    monkeypatch.setattr(echo_demo, "run", run)
    run_row = make_run()
    from demos.services import demo_run_execute

    demo_run_execute(run_id=str(run_row.id))
    html = client.get(f"/demos/runs/{run_row.id}/").content.decode()
    assert "evaluated on 3 seeds" in html and "Per seed (3)" in html
    assert html.count('<tr class="demos-fail"><td>1</td><td>0.7</td>') == 1
    assert "first failing seed" in html


def test_raw_summary_shows_units(client, make_run, echo_demo, monkeypatch):
    monkeypatch.setattr(echo_demo, "units", {"sca": "wrong", "scale": "dimensionless"})
    run = make_run()
    from demos.services import demo_run_execute

    demo_run_execute(run_id=str(run.id))
    html = client.get(f"/demos/runs/{run.id}/").content.decode()
    assert '<th scope="row"><code>scale</code></th><td>1</td><td>dimensionless</td>' in html


def test_run_page_failed_shows_only_the_first_error_line(client, make_run):
    run = make_run(status="failed", error="ValueError: bad\nTraceback (most recent call last):")
    html = client.get(f"/demos/runs/{run.id}/").content.decode()
    assert "ValueError: bad" in html and "Traceback" not in html and "Try again" in html


def test_json_endpoint_payload(client, make_run):
    queued = make_run(params={"seed": 1})
    data = client.get(f"/demos/runs/{queued.id}.json").json()
    assert data["status"] == "queued" and data["queue_position"] == 0
    assert data["progress"] == {"done": 0, "total": 0, "fraction": 0.0, "message": ""}
    assert "result" not in data and data["finished"] is False

    from demos.services import demo_run_execute

    demo_run_execute(run_id=str(queued.id))
    response = client.get(f"/demos/runs/{queued.id}.json")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "succeeded" and data["finished"] is True
    assert data["result"]["series"]["curve"]["kind"] == "loglog"
    assert data["progress"]["fraction"] == 1.0
    json.dumps(data, allow_nan=False)

    failed = make_run(status="failed", error="KeyError: x\nline 2", params={"seed": 3})
    data = client.get(f"/demos/runs/{failed.id}.json").json()
    assert data["error"] == "KeyError: x" and "result" not in data


def test_paper_panel_lists_demos_for_a_paper(rf, echo_demo):
    from django.template.loader import render_to_string

    from demos.selectors import demo_list_for_paper

    demos = demo_list_for_paper("2312.00094")
    assert demos and demos[0]["key"] == "diffusion.few_step_samplers"
    html = render_to_string(
        "demos/_paper_panel.html",
        {"demos": demos, "paper": {"arxiv_id": "2312.00094"}},
        request=rf.get("/arxiv/2312.00094"),
    )
    assert "Live demos" in html and demos[0]["title"] in html.replace("&#x27;", "'")
    assert f'action="/demos/{demos[0]["key"]}/runs/"' in html and "csrfmiddlewaretoken" in html
    assert demo_list_for_paper("1706.03762") == []
    assert render_to_string("demos/_paper_panel.html", {"demos": []}).strip() == ""


def test_paper_page_panel_runs_the_demo_for_that_paper(client, no_enqueue):
    from tests.factories import PaperFactory

    paper = PaperFactory(arxiv_id="2405.04434")
    html = client.get("/arxiv/2405.04434").content.decode()
    assert 'class="demos-panel"' in html and 'action="/demos/attention.kv_cache/runs/"' in html
    assert 'name="paper" value="2405.04434"' in html
    response = _post(client, {"paper": "2405.04434"}, key="attention.kv_cache")
    assert response.status_code == 303
    run = DemoRun.objects.get()
    assert run.paper_id == paper.pk and run.size == "smoke" and run.params["mla_kv_bits"] == "16"
