"""Demo pages in Chromium: submit the form, watch Pending/Loading and the bar, see the plots."""

import re
import threading

import pytest

from demos.base import REGISTRY, _check_declaration
from demos.models import DemoRun
from tests.demos.platform.slow_demo import SLOW_KEY, SlowDemo

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submit_real_demo_form_and_see_plots(page, live_server):
    """Eager Celery: the run finishes during the POST; the run page draws every series."""
    page.goto(f"{live_server.url}/demos/attention.kv_cache/")
    page.select_option("select[name=mla_kv_bits]", "6")
    page.click("form.demos-form button[type=submit]")
    page.wait_for_url("**/demos/runs/*/")
    assert "Finished" in page.inner_text("#demos-status")
    run = DemoRun.objects.get()
    plots = len(run.result["series"])
    expect(page.locator(".demos-plot[data-drawn='1'] svg.demos-svg")).to_have_count(plots)
    assert page.locator(".demos-checks .demos-badge-pass").count() >= 1
    assert page.locator(".demos-comparison table").count() == 1  # the paper beside ours, first
    assert page.locator("[data-anchor] table").count() >= 1  # the paper's own tables, folded
    assert page.console_errors == []


def test_finished_run_page_fits_a_phone(page, live_server):
    """A finished run: a compact status box, and at 390 px nothing wider than the screen."""
    from tests.conftest import ARTIFACTS

    page.goto(f"{live_server.url}/demos/attention.kv_cache/")
    page.click("form.demos-form button[type=submit]")
    page.wait_for_url("**/demos/runs/*/")
    assert not page.locator("#demos-status [data-role=message]").is_visible()
    assert page.locator("#demos-status").bounding_box()["height"] < 70  # one line, no blank
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "run_page_phone_390_top.png"))  # what a reader sees first
    page.locator(".demos-checks").screenshot(path=str(ARTIFACTS / "run_page_phone_390_checks.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Result tables become one block per row, every cell under its column's name.
    first = page.locator(".demos-comparison .demos-result-table tbody tr").first
    assert first.bounding_box()["width"] >= 320
    labels = first.locator("td").evaluate_all("cells => cells.map(c => c.dataset.label)")
    assert labels and all(labels)
    page.locator(".demos-comparison").screenshot(
        path=str(ARTIFACTS / "run_page_phone_390_comparison.png")
    )
    for card in page.locator(".demos-check").all():
        assert card.bounding_box()["width"] >= 320  # the claim cards use the screen's width
    assert page.console_errors == []


def test_watch_progress_then_plots(page, live_server, monkeypatch):
    """A background 'worker' thread runs the slow test demo while the page polls."""
    from demos.services import demo_run_execute
    from demos.tasks import demo_run_execute_task

    _check_declaration(SlowDemo)
    monkeypatch.setitem(REGISTRY, SLOW_KEY, SlowDemo)
    start = threading.Event()
    threads = []

    def fake_worker(*args, **kwargs):
        def work():
            start.wait(30)
            demo_run_execute(run_id=kwargs["args"][0], worker="browser-test")

        threads.append(threading.Thread(target=work, daemon=True))
        threads[-1].start()

    monkeypatch.setattr(demo_run_execute_task, "apply_async", fake_worker)
    page.goto(f"{live_server.url}/demos/{SLOW_KEY}/")
    page.fill("input[name=steps]", "16")
    page.click("form.demos-form button[type=submit]")
    page.wait_for_url("**/demos/runs/*/")
    assert page.inner_text("[data-role=state]").startswith("Next in line")
    start.set()
    expect(page.locator("[data-role=state]")).to_have_text(re.compile(r"Loading [1-9]\d?%"))
    width = page.eval_on_selector("[data-role=fill]", "el => el.style.width")
    assert width.endswith("%") and width != "0%"
    assert "of 16" in page.inner_text("[data-role=message]")
    page.wait_for_selector(".demos-plot[data-drawn='1'] svg.demos-svg path", timeout=30_000)
    assert "Finished" in page.inner_text("#demos-status")
    for t in threads:
        t.join(timeout=10)
    assert page.console_errors == []


def test_plot_kinds_render_as_svg(page, live_server, monkeypatch):
    """line, loglog, scatter and bar series (with a null point) each draw their marks."""
    from demos.base import cache_key, validate_params

    _check_declaration(SlowDemo)
    monkeypatch.setitem(REGISTRY, SLOW_KEY, SlowDemo)
    params = validate_params(SlowDemo, {}, "smoke")
    xs = [1, 2, 4, 8]
    series = {
        "a_line": {
            "kind": "line",
            "x_label": "x",
            "y_label": "y",
            "lines": {"one": {"x": xs, "y": [1, None, 3, 4]}},
        },
        "b_loglog": {
            "kind": "loglog",
            "x_label": "NFE",
            "y_label": "error",
            "lines": {
                "euler": {"x": xs, "y": [1, 0.5, 0.25, 0.125]},
                "heun": {"x": xs, "y": [1, 0.25, 0.06, 0.015]},
            },
        },
        "c_scatter": {
            "kind": "scatter",
            "x_label": "pc1",
            "y_label": "pc2",
            "lines": {"pts": {"x": [0.1, -0.2, 0.3], "y": [0.0, 0.5, -0.5]}},
        },
        "d_bar": {
            "kind": "bar",
            "x_label": "model",
            "y_label": "bytes",
            "lines": {"bytes": {"x": ["MHA", "GQA", "MLA"], "y": [8.0, 2.0, 0.6]}},
        },
    }
    run = DemoRun.objects.create(
        demo_key=SLOW_KEY,
        demo_version=1,
        size="smoke",
        params=params,
        cache_key=cache_key(SlowDemo, params, "smoke"),
        status="succeeded",
        result={"summary": {}, "series": series, "timings": {}, "env": {}, "checks": []},
    )
    page.goto(f"{live_server.url}/demos/runs/{run.id}/")
    expect(page.locator(".demos-plot[data-drawn='1']")).to_have_count(4)
    line_path = page.get_attribute("[data-plot=a_line] svg.demos-svg path", "d")
    assert line_path.count("M") == 2  # the line breaks at the null point
    assert page.locator("[data-plot=b_loglog] svg.demos-svg path").count() == 2
    assert page.locator("[data-plot=c_scatter] svg.demos-svg circle").count() == 3
    # the two loglog lines differ in dash and marker, not only in colour
    dashes = page.eval_on_selector_all(
        "[data-plot=b_loglog] svg.demos-svg .demos-series path",
        "els => els.map(e => e.getAttribute('stroke-dasharray'))",
    )
    assert len(set(dashes)) == 2
    assert (
        page.locator("[data-plot=b_loglog] svg.demos-svg .demos-series rect").count() == 4
    )  # heun's squares
    assert page.locator("[data-plot=d_bar] svg.demos-svg .demos-series rect").count() == 3
    assert page.console_errors == []
