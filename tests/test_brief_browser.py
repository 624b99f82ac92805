"""The HTML brief, opened in headless Chromium with the network cut off, shows its
headline table and charts."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import ARTIFACTS, browser_or_skip
from test_glossary import identifiers_in

from jobcoach_model.law.rulebook import load_rulebook
from jobcoach_model.presentation.brief import make_brief

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.browser

#: the page's visible text up to the appendix's heading (what a reader reads as the brief)
PLAIN_TEXT_BEFORE_APPENDIX = """() => {
  const end = document.getElementById('appendix');
  const range = document.createRange();
  range.setStartBefore(document.body.firstChild);
  range.setEndBefore(end);
  const div = document.createElement('div');
  div.appendChild(range.cloneContents());
  div.querySelectorAll('script, style').forEach(e => e.remove());
  return div.innerText || div.textContent;
}"""


@pytest.mark.notebook
def test_brief_reads_offline_in_a_real_browser(small_brief):
    html = small_brief / "brief.html"
    pw, browser = browser_or_skip()
    try:
        page, asked = _offline_page(browser, html)
        heading = page.locator(
            "h1", has_text="What Kansas's and Iowa's job-coaching rules would cost: small"
        )
        assert heading.is_visible()
        _answers_first_with_working_links(page)
        page.locator("nav a", has_text="How sure").click()
        assert page.evaluate("location.hash") == "#how-sure"
        table = page.locator("table", has_text="Total paid").first
        assert table.is_visible()
        for scheme in (
            "Kansas hourly",
            "Iowa hourly",
            "Iowa outcome (D codes)",
            "Iowa SE unit rate",
        ):
            assert table.locator("td", has_text=scheme).count() == 1
        first_total = table.locator("tbody tr").first.locator("td").nth(1).inner_text()
        assert first_total.startswith("$") and len(first_total) > 4
        images = page.locator("img")
        assert images.count() >= 1
        widths = images.evaluate_all("els => els.map(e => e.complete ? e.naturalWidth : 0)")
        assert all(w > 300 for w in widths), widths
        assert images.first.is_visible()
        # it says why the schemes differ and how sure it is, by rule and reading id
        for title in ("Findings", "Why they differ", "How sure"):
            assert page.locator("h2", has_text=title).is_visible(), title
        findings = page.locator("h2:has-text('Findings') + ul li")
        assert findings.count() >= 3
        assert "90% interval" in findings.first.inner_text()
        assert (
            "Over 200 joint draws of every assumption and reading" in findings.nth(1).inner_text()
        )
        bridge = page.locator("table", has_text="What the rule says").first
        rules = bridge.locator("tbody tr td:nth-child(2)").all_inner_texts()
        labels = {code: {r.label for r in load_rulebook(code).rules} for code in ("KS", "IA")}
        assert set(rules) & labels["KS"] and set(rules) & labels["IA"], rules
        readings = page.locator("table", has_text="Other reading").first
        assert readings.locator("td", has_text="When hourly coaching is paid").count() >= 1
        # How sure opens with how likely each scheme is cheapest, what to measure next
        # and where the finding flips, from the joint draws
        opening = page.locator("h2:has-text('How sure') + p")
        said = opening.inner_text()
        assert "is the cheapest scheme in" in said and "of the 200 draws" in said, said
        assert "Monte Carlo standard error" in said and "would be worth" in said, said
        likely = page.locator("table", has_text="Cheapest in").first
        cells = likely.locator("tbody tr td:nth-child(5)").all_inner_texts()
        assert len(cells) == 4 and all("%" in c and "±" in c for c in cells), cells
        total = sum(float(c.split("%")[0]) for c in cells)
        assert 97 <= total <= 103, cells  # rounded shares of one whole
        worth = page.locator("table", has_text="What knowing it exactly would be worth").first
        assert worth.locator("td", has_text="everything at once").count() == 1
        # plain words: before the appendix, no identifier and no method's own name
        shown = page.evaluate(PLAIN_TEXT_BEFORE_APPENDIX)
        assert "When hourly coaching is paid" in shown
        assert not identifiers_in(shown), identifiers_in(shown)
        appendix = page.locator("#appendix").inner_text() + page.inner_text("body")
        assert "IA.hourly_payment_timing = on_report" in appendix and "EVPPI" in appendix
        assert page.locator("h3", has_text="What to measure next").is_visible()
        assert asked == [], f"the brief tried to fetch {asked}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "brief.png"), full_page=True)
        opening.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "brief_how_sure.png"))
    finally:
        browser.close()
        pw.stop()


def test_the_baseline_brief_answers_first_in_plain_words(tmp_path):
    """The baseline brief as a reader gets it: the committed cost brief notebook is the
    baseline scenario's brief, executed (nbval re-executes it in the same suite and fails
    on any difference), turned into its page by the brief's own ``to_html``."""
    from jobcoach_model.presentation.brief import to_html

    html = to_html(ROOT / "notebooks" / "cost_brief.ipynb", tmp_path / "brief.html")
    pw, browser = browser_or_skip()
    try:
        page, asked = _offline_page(browser, html)
        title = "What Kansas's and Iowa's job-coaching rules would cost: baseline"
        assert page.locator("h1", has_text=title).is_visible()
        _answers_first_with_working_links(page)
        page.locator("nav a", has_text="Why they differ").click()
        assert page.evaluate("location.hash") == "#why"
        shown = page.evaluate(PLAIN_TEXT_BEFORE_APPENDIX)
        assert not identifiers_in(shown), identifiers_in(shown)
        assert "Kansas at 45.16 USD/hour" in shown
        body = page.inner_text("body")
        appendix = body[body.rindex(page.locator("#appendix").inner_text()) :]
        for identifier in ("caseload.coaches.rate_mean", "KS-PLAN", "EVPPI", "PRIM"):
            assert identifier in appendix, identifier
        assert asked == [], f"the brief tried to fetch {asked}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "brief_baseline.png"), full_page=True)
    finally:
        browser.close()
        pw.stop()


def _answers_first_with_working_links(page) -> None:
    """The answer first (both states' totals), then a contents list whose every link
    reaches one element."""
    answer = page.locator("p.answer")
    said = answer.inner_text()
    assert "under Kansas's rules (Kansas hourly) $" in said, said
    assert "under Iowa's rules (Iowa hourly) $" in said, said
    links = page.locator("nav a")
    assert links.count() >= 10
    for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert page.locator(href).count() == 1, href


def _offline_page(browser, html: Path):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    asked = []

    def block(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.goto(html.as_uri(), wait_until="load")
    return page, asked


def _simulated_export(folder: Path) -> list[str]:
    from jobcoach_model.cli import main

    assert main(["simulate", "small", "--out", str(folder), "--set", "caseload.consumers=600",
                 "--set", "simulation.replications=1"]) == 0  # fmt: skip
    return [f"--{n}={folder / f'{n}.csv'}" for n in ("cases", "coaches", "services")]


def test_records_brief_reads_as_an_analyst_would(tmp_path):
    from jobcoach_model.cli import main

    files = _simulated_export(tmp_path / "sim")
    assert main(["brief", *files, "--out", str(tmp_path / "brief"), "--quiet"]) == 0
    pw, browser = browser_or_skip()
    try:
        page, asked = _offline_page(browser, tmp_path / "brief" / "brief.html")
        assert page.locator("h1", has_text="Job-coaching records brief").is_visible()
        for title in ("Findings", "Paid, held and denied", "Why they differ", "money by rule",
                      "Money by month", "Who gains and who loses"):  # fmt: skip
            assert page.locator("h2", has_text=title).is_visible(), title
        findings = page.locator("h2:has-text('Findings') + ul li").all_inner_texts()
        assert any("pays" in f and "than KS" in f for f in findings), findings
        bridge = page.locator("table", has_text="What the rule says").first
        rules = bridge.locator("tbody tr td:nth-child(2)").all_inner_texts()
        iowa = {r.label for r in load_rulebook("IA").rules}
        assert set(rules) & iowa and not any(r.startswith("IA-") for r in rules), rules
        gains = page.locator("table", has_text="Providers by size").first
        assert gains.locator("td", has_text="all providers").count() == 1
        widths = page.locator("img").evaluate_all("els => els.map(e => e.naturalWidth)")
        assert len(widths) >= 2 and all(w > 300 for w in widths)
        assert asked == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "records_brief.png"), full_page=True)
        statement = sorted((tmp_path / "brief" / "statements").iterdir())[0]
        page, _ = _offline_page(browser, statement)
        assert page.locator("h2", has_text="Totals by status and rule").is_visible()
        page.screenshot(path=str(ARTIFACTS / "records_statement.png"), full_page=True)
    finally:
        browser.close()
        pw.stop()


def test_fit_report_reads_as_an_analyst_would(tmp_path):
    from jobcoach_model.cli import main

    files = _simulated_export(tmp_path / "sim")
    out = tmp_path / "mine.yaml"
    assert main(["calibrate", *files, "--out", str(out), "--report", str(tmp_path / "fit")]) == 0
    pw, browser = browser_or_skip()
    try:
        page, asked = _offline_page(browser, tmp_path / "fit" / "report.html")
        assert page.locator("h1", has_text="Calibration fit report").is_visible()
        table = page.locator("table", has_text="Discrepancy").first
        measures = table.locator("tbody tr td:first-child").all_inner_texts()
        assert "weekly coach hours" in measures and "lines by status and rule, IA" in measures
        widths = page.locator("img").evaluate_all("els => els.map(e => e.naturalWidth)")
        assert len(widths) >= 3 and all(w > 300 for w in widths)
        assert page.locator("h2", has_text="Fitted inputs").is_visible()
        assert asked == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "fit_report.png"), full_page=True)
    finally:
        browser.close()
        pw.stop()


def test_the_reform_scenarios_brief_shows_its_fiscal_note(tmp_path):
    """The bundled reform (Kansas at 45.16 from 2027-07-01, FY2027 to FY2030), briefed and
    opened in Chromium: the fiscal note per year, the reform's cost against Kansas as it
    pays today (nothing in FY2027, before the reform), and what is never released."""
    html = make_brief(
        ROOT / "scenarios" / "kansas_reform_2027.yaml",
        tmp_path,
        sets={"simulation.replications": "8", "uncertainty.draws": "100"},  # the fiscal note
        progress=False,
    )
    pw, browser = browser_or_skip()
    try:
        page, asked = _offline_page(browser, html)
        assert page.locator("h2", has_text="Fiscal note").is_visible()
        table = page.locator("table", has_text="Paid in the year (cash)").first
        for year in ("FY2027", "FY2028", "FY2029", "FY2030"):
            assert table.locator("td", has_text=year).count() >= 3, year
        reform = page.locator("table", has_text="Cost, paid in the year").first
        rows = reform.locator("tbody tr")
        first = rows.first.locator("td").all_inner_texts()
        assert first[2] == "FY2027" and first[3] == "$0" and first[4] == "$0"
        second = rows.nth(1).locator("td").all_inner_texts()
        assert second[2] == "FY2028" and second[3].startswith("$") and second[3] != "$0"
        said = page.locator("h2:has-text('Findings') + ul").inner_text()
        assert "never released" in said and "FY2028" in said
        assert asked == [], f"the brief tried to fetch {asked}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("h2", has_text="Fiscal note").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "fiscal_note.png"), full_page=True)
    finally:
        browser.close()
        pw.stop()
