"""The run pages of D4, D5 and D10 in Chromium: every plot drawn, the tables there, no errors."""

import pytest

from demos import catalog
from demos.base import cache_key, validate_params
from demos.models import DemoRun

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# cheap params within each demo's ranges: the page shape, not the claims, is under test here
CASES = {
    "attention.short_conv_mqar": {"steps": 20},
    "attention.bf16_rounding": {"rows": 256},
    "attention.transformer_vq": {"T": 256},
}


@pytest.mark.parametrize("key", list(CASES))
def test_run_page_draws_every_plot_and_table(page, live_server, key):
    demo = catalog.get(key)
    params = validate_params(demo, CASES[key], "smoke")
    result = demo().run(params, "smoke")
    run = DemoRun.objects.create(
        demo_key=key, demo_version=demo.version, size="smoke", params=params,
        cache_key=cache_key(demo, params, "smoke"), status="succeeded", result=result,
    )  # fmt: skip
    page.goto(f"{live_server.url}/demos/runs/{run.id}/")
    plots = page.locator(".demos-plot[data-drawn='1'] svg.demos-svg")
    expect(plots).to_have_count(len(result["series"]))
    # the comparison table opens the result; the paper's own tables are folded below
    assert page.locator(".demos-comparison table").count() == 1
    assert page.locator("details.demos-raw .demos-claims").count() == len(demo.anchors)
    html = page.content()
    for tab in result["tables"].values():
        assert tab["title"].split(",")[0].replace("&", "&amp;") in html
    assert page.console_errors == []
