"""The what-if explorer: an ipywidgets panel for policy staff, in JupyterLab or as a Voilà
app.

Sliders (``controls.py``) set each jurisdiction's rates, the caseload (size, need mix,
group share, fading speed) and the benchmark; the panel shows the cost of each
chosen rate scheme with its interval, a chart, and the chance a provider of a given size
meets the benchmark. A rate change re-prices the simulated caseload without simulating it
again; a caseload change simulates it anew. Updates are debounced and show a busy state.
The settings found can be exported as a scenario file that ``jobcoach brief`` accepts.

This module is the view (widgets, HTML, the SVG chart, the Voila server); the state and
the computation behind it are in ``whatif.py``.
"""

from __future__ import annotations

import asyncio
import html
import os
import time
from pathlib import Path

import ipywidgets as w

from jobcoach_model.base.money import usd
from jobcoach_model.base.resources import NOTEBOOKS, SCENARIOS
from jobcoach_model.caseloads.costs import build_up
from jobcoach_model.caseloads.metrics import benchmark_jurisdiction
from jobcoach_model.caseloads.results import Results
from jobcoach_model.caseloads.scenario import Scenario, load_scenario, run_changes
from jobcoach_model.explorer.controls import GROUPS, explorer_controls, resimulating, start_value
from jobcoach_model.explorer.whatif import (
    WhatIf,
    chosen_at_start,
    export_scenario,
    export_target,
    offered_schemes,
    what_if_scenario,
)
from jobcoach_model.law.jurisdictions import Control
from jobcoach_model.law.rulebook import load_rulebook
from jobcoach_model.presentation import glossary

DEFAULT_SCENARIO = SCENARIOS / "baseline.yaml"
#: the explorer's own caseload: small enough to answer while a slider moves
EXPLORER_CONSUMERS = 500
EXPLORER_REPLICATIONS = 40


class Explorer:
    """The panel and its state. ``panel`` is the widget to display."""

    def __init__(
        self,
        scenario: str | Path | Scenario = DEFAULT_SCENARIO,
        consumers: int = EXPLORER_CONSUMERS,
        replications: int = EXPLORER_REPLICATIONS,
        debounce: float = 0.3,
        export_path: str | Path | None = None,
        export_dir: str | Path | None = None,
    ) -> None:
        self.base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.replications = replications
        self.delay = debounce
        self._pending = None
        self._why_quiet = False
        self.last_update = {"kind": None, "seconds": 0.0}
        #: the jurisdictions the panel's schemes use, and the controls they bring
        self.offered = offered_schemes(self.base)
        self.codes = tuple(dict.fromkeys(s.rules for s in self.offered))
        self.control_table = explorer_controls(self.codes)
        self.model = WhatIf(resimulating(self.control_table))
        style = {"description_width": "300px"}  # the longest label whole, never cut

        def layout() -> w.Layout:  # one each: a state's controls hide with its schemes
            return w.Layout(width="620px")

        def slider(c: Control) -> w.Widget:
            cls = w.IntSlider if c.integer else w.FloatSlider
            kwargs = {} if c.integer else {"readout_format": ".2f"}
            widget = cls(
                value=start_value(c, self.base, consumers),
                min=c.low,
                max=c.high,
                step=c.step,
                description=c.label,
                continuous_update=False,
                style=style,
                layout=layout(),
                **kwargs,
            )
            widget.add_class(f"jc-{c.name.replace('_', '-')}")
            return widget

        self.controls = {c.name: slider(c) for c in self.control_table}
        self.schemes = w.SelectMultiple(
            options=[s.name for s in self.offered],
            value=chosen_at_start(self.base),
            description="Rate schemes",
            rows=max(4, min(len(self.offered), 8)),
            style=style,
            layout=layout(),
        )
        self.schemes.add_class("jc-schemes")
        #: providers' responses to how they are paid: each kind of pay its own caseload
        self.respond = w.Checkbox(
            value=self.base.responses is not None,
            description=glossary.label("term:responses"),
            style=style,
            layout=layout(),
        )
        self.respond.add_class("jc-respond")
        # one dropdown per interpretation of each rulebook: its options, the default chosen
        self.readings: dict[tuple[str, str], w.Dropdown] = {}
        for code in self.codes:
            for name, item in load_rulebook(code).interpretations.items():
                own = {s.overrides.get(name) for s in self.base.schemes if s.rules == code}
                chosen = next((o for o in own if o in item.options), item.default)
                dropdown = w.Dropdown(
                    options=[(glossary.option_label(code, name, o), o) for o in item.options],
                    value=chosen,
                    description=f"{glossary.label(f'{code}.{name}')} ({glossary.state_name(code)})",
                    description_allow_html=False,
                    tooltip=item.question,
                    style=style,
                    layout=layout(),
                )
                dropdown.add_class(f"jc-reading-{code.lower()}-{name.replace('_', '-')}")
                self.readings[(code, name)] = dropdown
        names = [s.name for s in self.offered]
        self.why_from = w.Dropdown(options=names, value=names[0], description="Why: from")
        self.why_to = w.Dropdown(options=names, value=names[1], description="to")
        self.why_from.add_class("jc-why-from")
        self.why_to.add_class("jc-why-to")
        self.why = w.HTML()
        self.why.add_class("jc-why")
        for widget in (self.why_from, self.why_to):
            widget.observe(
                lambda _change: None if self._why_quiet else self._draw_why(), names="value"
            )
        self.status = w.HTML()
        self.status.add_class("jc-status")
        self.table = w.HTML()
        self.table.add_class("jc-cost-table")
        self.chart = w.HTML()
        self.chart.add_class("jc-chart")
        self.benchmark = w.HTML()
        self.benchmark.add_class("jc-benchmark")
        self.fiscal = w.HTML()
        self.fiscal.add_class("jc-fiscal")
        self.access = w.HTML()
        self.access.add_class("jc-access")
        #: Export writes only inside this folder (``jobcoach explore --export-dir``)
        self.export_root = Path(
            export_dir or os.environ.get("JOBCOACH_EXPORT_DIR") or Path.cwd()
        ).resolve()
        self.export_path = w.Text(
            value=str(export_path or self.export_root / "what_if.yaml"),
            description="Export to",
            style=style,
            layout=layout(),
        )
        self.export_path.add_class("jc-export-path")
        self.export_button = w.Button(description="Export scenario", icon="download")
        self.export_button.add_class("jc-export")
        self.export_button.on_click(lambda _: self.export())
        self.export_note = w.HTML()
        self.export_note.add_class("jc-export-note")

        for widget in [
            *self.controls.values(),
            self.schemes,
            *self.readings.values(),
            self.respond,
        ]:
            widget.observe(self._changed, names="value")
        self.schemes.observe(lambda _change: self._show_states(), names="value")
        self._show_states()
        self.panel = w.VBox(
            [
                w.HTML(
                    "<h2>Job-coaching what-if explorer</h2><p>Move a control; the figures "
                    "update on their own. Rates re-price the same simulated caseload; "
                    "caseload controls simulate it again.</p>"
                ),
                w.HBox(
                    [
                        w.VBox(
                            self._control_column(),
                            layout=w.Layout(flex="0 0 520px", min_width="520px"),
                        ),
                        w.VBox(
                            [
                                self.status,
                                self.table,
                                self.chart,
                                self.fiscal,
                                self.access,
                                self.benchmark,
                                w.HTML("<b>Why do two schemes differ?</b>"),
                                w.HBox([self.why_from, self.why_to]),
                                self.why,
                                w.HTML("<b>Hand it to an analyst</b>"),
                                self.export_path,
                                w.HBox([self.export_button, self.export_note]),
                            ],
                            layout=w.Layout(flex="1 1 560px", min_width="560px"),
                        ),
                    ],
                    layout=w.Layout(flex_flow="row wrap", width="100%"),
                ),
            ]
        )
        self.panel.add_class("jc-explorer")
        self.update()

    def _control_column(self) -> list[w.Widget]:
        """The controls by group (rates with the schemes and readings, caseload,
        benchmark), in the table's order."""
        column = []
        owner = benchmark_jurisdiction()
        for group, heading in GROUPS:
            column.append(w.HTML(f"<b>{html.escape(heading.format(owner=owner).strip())}</b>"))
            column += [self.controls[c.name] for c in self.control_table if c.group == group]
            if group == "costs":
                column.append(self.respond)
            if group == "rates":
                column += [
                    self.schemes,
                    w.HTML(
                        "<b>Readings of the sources</b> (where they are silent "
                        "or ambiguous; the default is the model's)"
                    ),
                    *self.readings.values(),
                ]
        return column

    def shown_states(self) -> tuple[str, ...]:
        """The states whose controls and readings the panel shows: those of the chosen
        schemes (a state offered but not chosen keeps its controls out of the way)."""
        chosen = set(self.schemes.value)
        return tuple(dict.fromkeys(s.rules for s in self.offered if s.name in chosen))

    def _show_states(self) -> None:
        shown = set(self.shown_states())
        for c in self.control_table:
            if c.rules:
                self.controls[c.name].layout.display = None if c.rules in shown else "none"
        for (code, _name), dropdown in self.readings.items():
            dropdown.layout.display = None if code in shown else "none"

    # -- state ------------------------------------------------------------------------
    def scenario(self, replications: int | None = None) -> Scenario:
        """The scenario the controls describe."""
        return what_if_scenario(
            self.base,
            self._values(),
            {key: dropdown.value for key, dropdown in self.readings.items()},
            self.schemes.value,
            replications or self.replications,
            self.control_table,
            respond=self.respond.value,
        )

    def _values(self) -> dict:
        return {name: widget.value for name, widget in self.controls.items()}

    @property
    def results(self) -> Results | None:
        """The results of the current settings."""
        return self.model.results

    # -- updates ----------------------------------------------------------------------
    def _changed(self, _change=None) -> None:
        self.status.value = "<span class='jc-busy'>Updating&hellip;</span>"
        try:  # in a kernel, widget changes arrive on its running event loop
            loop = asyncio.get_running_loop()
        except RuntimeError:  # driven from plain Python: no loop to wait on
            loop = None
        if loop is None or self.delay <= 0:
            self.update()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.delay, self.update)

    def update(self) -> None:
        """Recompute (re-simulating only when the caseload changed) and redraw."""
        self._pending = None
        started = time.perf_counter()
        self.status.value = "<span class='jc-busy'>Updating&hellip;</span>"
        self.export_button.disabled = True
        try:
            scenario = self.scenario()
            kind = self.model.compute(scenario, self._values())
            self._draw()
            seconds = time.perf_counter() - started
            self.status.value = (
                f"<span class='jc-ready'>Up to date: {scenario.simulation.replications} "
                f"simulated caseloads of {scenario.caseload.consumers:,} consumers "
                f"({seconds * 1000:.0f} ms).</span>" + caseload_note(self.base, scenario)
            )
            # the figures above are already on their way to the page; the why panel follows
            self._draw_why()
            why = time.perf_counter() - started - seconds
            self.last_update = {"kind": kind, "seconds": seconds, "why_seconds": why}
        except Exception as err:  # show the problem in the panel, keep the last figures
            self.status.value = (
                f"<span class='jc-error'>Could not update: {html.escape(str(err))}</span>"
            )
        finally:
            self.export_button.disabled = False

    def total(self, scheme: str) -> float:
        """Mean total paid under a scheme in the current results."""
        return self.model.total(scheme)

    def _draw(self) -> None:
        r = self.results
        s = r.summary.set_index(["scheme", "metric"])
        names = [sc.name for sc in r.scenario.schemes]
        rows = []
        for name in names:
            total = s.loc[(name, "total_paid")]
            cells = [
                f"<td>{html.escape(name)}</td>",
                f"<td class='jc-total' data-scheme='{html.escape(name, quote=True)}' "
                f"data-value='{total['mean']:.2f}'>{usd(total['mean'])}</td>",
                f"<td>{usd(total['p05'])} to {usd(total['p95'])}</td>",
                f"<td>{usd(s.loc[(name, 'paid_per_consumer'), 'mean'])}</td>",
                f"<td>{usd(s.loc[(name, 'paid_per_retained_90d'), 'mean'])}</td>",
                f"<td>{usd(s.loc[(name, 'pending_amount'), 'mean'])}</td>",
                f"<td>{usd(s.loc[(name, 'never_released_amount'), 'mean'])}</td>",
                f"<td>{usd(s.loc[(name, 'denied_amount'), 'mean'])}</td>",
            ]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        head = "".join(
            f"<th>{h}</th>"
            for h in (
                "Scheme",
                "Total paid",
                "90% interval",
                "Per consumer",
                "Per job kept 90 days",
                "Pending",
                "Never released",
                "Denied",
            )
        )
        self.table.value = (
            "<table class='jc-costs' style='border-collapse:collapse' cellpadding='4'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
        self.chart.value = _bar_chart(
            [
                (
                    n,
                    s.loc[(n, "total_paid"), "mean"],
                    s.loc[(n, "total_paid"), "p05"],
                    s.loc[(n, "total_paid"), "p95"],
                )
                for n in names
            ]
        )
        self._draw_fiscal()
        self._draw_access()
        self._draw_benchmark()
        for dropdown in (self.why_from, self.why_to):
            if list(dropdown.options) != names:
                keep = dropdown.value
                self._why_quiet = True  # the update draws the why panel once, below
                try:
                    dropdown.options = names
                    if keep in names:
                        dropdown.value = keep
                finally:
                    self._why_quiet = False

    def _draw_why(self) -> None:
        """The bridge between the two chosen schemes, on the same simulated caseload."""
        a, b = self.why_from.value, self.why_to.value
        if self.results is None or a is None or b is None or a == b:
            self.why.value = "<p>Choose two different schemes.</p>"
            return
        br = self.model.bridge(a, b)
        diff = (br.to_total - br.from_total).mean() / 100
        rows = []
        for r in br.steps.reindex(br.steps["mean"].abs().sort_values(ascending=False).index)[
            :8
        ].itertuples():
            rows.append(
                f"<tr class='jc-why-step' data-rule='{html.escape(r.rule_id, quote=True)}' "
                f"data-value='{r.mean:.2f}'><td>{html.escape(glossary.rule_label(r.rule_id))}</td>"
                f"<td>{html.escape(r.step)}</td><td>{usd(r.mean)}</td>"
                f"<td>{html.escape(r.statement)}</td></tr>"
            )
        more = len(br.steps) - len(rows)
        self.why.value = (
            f"<p class='jc-why-total' data-value='{diff:.2f}'>{html.escape(b)} pays "
            f"<b>{usd(abs(diff))} {'more' if diff >= 0 else 'less'}</b> than {html.escape(a)}; "
            "the largest steps, by the rule "
            "that causes each (they add up to the difference in every replication):</p>"
            "<table cellpadding='3' style='border-collapse:collapse'><thead><tr><th>Rule</th>"
            "<th>Step</th><th>Mean</th><th>What the rule says</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
            + (f"<p>and {more} smaller steps.</p>" if more > 0 else "")
            + _gains_html(br)
        )

    def _draw_fiscal(self) -> None:
        from jobcoach_model.presentation.figures import html_table
        from jobcoach_model.presentation.fiscal_figures import fiscal_summary

        self.fiscal.value = (
            "<h4>Paid per state fiscal year (cash; mean over replications)</h4>"
            + html_table(fiscal_summary(self.results))
        )

    def _draw_access(self) -> None:
        """Providers paid below their cost under each scheme, on the same caseload, at
        the wage and billable share of the controls (the rest the cited defaults)."""
        from jobcoach_model.analysis.access import provider_access

        access = provider_access(self.results.scenario, simulated=self.model.chunks)
        cost = build_up(self.results.scenario.costs).cost
        respond = self.results.scenario.responses is not None  # who loses a provider
        rows = "".join(
            f"<tr><td>{html.escape(r.scheme)}</td><td class='jc-below' "
            f"data-scheme='{html.escape(r.scheme, quote=True)}' "
            f"data-value='{r.below_cost_share:.4f}'>"
            f"{r.below_cost_share:.0%}</td><td>{r.consumers_at_risk_share:.0%}</td>"
            + (
                f"<td class='jc-losing' data-value='{r.losing_provider_share:.4f}'>"
                f"{r.losing_provider_share:.0%}</td>"
                if respond
                else ""
            )
            + f"<td>{usd(r.paid_per_coach_hour, cents=True)}</td></tr>"
            for r in access.table.itertuples()
        )
        losing = (
            f"<th>{html.escape(glossary.label('measure:losing_provider_share'))}</th>"
            if respond
            else ""
        )
        self.access.value = (
            f"<h4>Providers paid below cost (a billable hour costs about {usd(cost, cents=True)}; "
            "mean over replications)</h4><table cellpadding='4' style='border-collapse:collapse'>"
            f"<thead><tr><th>Scheme</th><th>{glossary.label('measure:below_cost_share')}</th>"
            f"<th>{html.escape(glossary.label('measure:consumers_at_risk_share'))}</th>{losing}"
            f"<th>{glossary.label('measure:paid_per_coach_hour')}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )

    @property
    def _benchmark_name(self) -> str:
        return f"{benchmark_jurisdiction()} benchmark".strip()

    def _draw_benchmark(self) -> None:
        v = self.controls
        n = v["provider_size"].value
        share = v["threshold"].value
        p, rate = self.model.pass_probability(n, share)
        self.benchmark.value = (
            f"<p class='jc-pass'>A provider serving <b>{n}</b> persons in a quarter meets the "
            f"{self._benchmark_name} ({share:.0%} within {v['window'].value} days) with "
            f"probability "
            f"<b data-value='{p:.4f}'>{p:.0%}</b>, when each person completes their objectives "
            f"within the window with probability {rate:.0%} (the simulated caseload's rate).</p>"
        )

    # -- export -----------------------------------------------------------------------
    def export(self) -> Path | None:
        """Write the current settings as a scenario file (the base scenario's replications)
        inside the export folder; a path elsewhere is refused in the panel."""
        path = export_target(self.export_path.value, self.export_root)
        if path is None:
            self.export_note.value = (
                "<span class='jc-export-refused'>Not saved: export writes a .yaml file "
                f"inside {html.escape(str(self.export_root))} only.</span>"
            )
            return None
        from jobcoach_model.base.outputs import ours, record

        if path.exists() and not ours(path):  # a user's own file, or one they edited
            self.export_note.value = (
                "<span class='jc-export-refused'>Not saved: "
                f"{html.escape(str(path))} exists and was not written by Export (or was "
                "edited since); choose another file name.</span>"
            )
            return None
        record(export_scenario(self.scenario(replications=self.base.simulation.replications), path))
        self.export_note.value = (
            f"<span class='jc-exported'>Saved {html.escape(str(path))}: "
            f"run <code>jobcoach brief {html.escape(str(path))}</code></span>"
        )
        return path


def _gains_html(br) -> str:
    """Who gains and who loses between the two chosen schemes: providers by size band
    (``why_figures.gains_table``, small bands suppressed), as a small HTML table."""
    from jobcoach_model.presentation.figures import html_table
    from jobcoach_model.presentation.why_figures import gains_table

    table = gains_table(br)
    everyone = table[table["Providers by size"] == "all providers"]
    lead = ""
    if len(everyone):
        r = everyone.iloc[0]
        lead = (
            "<p class='jc-gains-lead'>Providers gaining more than 5%: "
            f"{r['Gaining over 5% (average, 90% interval)']}; losing more than 5%: "
            f"{r['Losing over 5% (average, 90% interval)']} (averages over the simulated "
            "caseloads, 90% intervals).</p>"
        )
    return f"<h4>Who gains and who loses</h4>{lead}<div class='jc-gains'>{html_table(table)}</div>"


def _bar_chart(rows: list[tuple[str, float, float, float]]) -> str:
    """Total paid per scheme as an inline SVG bar chart with 5-95% whiskers."""
    if not rows:
        return ""
    width, bar_h, left, top = 520, 26, 190, 30
    top_value = max(r[3] for r in rows) * 1.1 or 1.0
    scale = (width - left - 20) / top_value
    parts = [
        f"<svg class='jc-bars' width='{width}' height='{top + len(rows) * (bar_h + 10) + 40}' "
        "xmlns='http://www.w3.org/2000/svg' font-family='sans-serif' font-size='12'>",
        f"<text x='{width / 2}' y='16' text-anchor='middle' font-weight='bold'>"
        "Total paid by rate scheme (mean, 5-95% whiskers)</text>",
    ]
    for i, (name, mean, lo, hi) in enumerate(rows):
        y = top + i * (bar_h + 10)
        parts.append(
            f"<text x='{left - 6}' y='{y + bar_h * 0.65}' text-anchor='end'>"
            f"{html.escape(name)}</text>"
        )
        parts.append(
            f"<rect x='{left}' y='{y}' width='{mean * scale:.1f}' height='{bar_h}' fill='#4C72B0'/>"
        )
        cy = y + bar_h / 2
        parts.append(
            f"<line x1='{left + lo * scale:.1f}' x2='{left + hi * scale:.1f}' "
            f"y1='{cy}' y2='{cy}' stroke='black'/>"
        )
        for x in (lo, hi):
            parts.append(
                f"<line x1='{left + x * scale:.1f}' x2='{left + x * scale:.1f}' "
                f"y1='{cy - 6}' y2='{cy + 6}' stroke='black'/>"
            )
    axis_y = top + len(rows) * (bar_h + 10) + 14
    parts.append(
        f"<text x='{left + (width - left) / 2}' y='{axis_y}' text-anchor='middle'>"
        f"Total paid (USD; full bar = {usd(top_value / 1.1 * 1.1)})</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def serve(port: int = 8866, export_dir: str | Path | None = None, max_sessions: int = 4) -> int:
    """Serve the explorer notebook with Voilà on 127.0.0.1 (no code shown) until stopped;
    the server and every kernel it started stop with this command, whatever signal ends
    it."""
    import subprocess
    import sys

    from jobcoach_model.base.processes import stop_tree

    notebook = NOTEBOOKS / "05_what_if_explorer.ipynb"
    env = dict(os.environ)
    env["JOBCOACH_EXPORT_DIR"] = str(Path(export_dir or Path.cwd()).resolve())
    manager = "jobcoach_model.explorer.server.CappedKernelManager"
    command = [
        sys.executable,
        "-m",
        "jobcoach_model.explorer.server",
        str(notebook),
        f"--port={port}",
        "--port_retries=0",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--theme=light",
        "--show_tracebacks=False",
        f"--VoilaConfiguration.multi_kernel_manager_class={manager}",
        f"--CappedKernelManager.max_kernels={max_sessions}",
        "--CappedKernelManager.cull_idle_timeout=900",
        "--CappedKernelManager.cull_interval=60",
    ]
    print(f"Explorer: http://127.0.0.1:{port}/  (Ctrl-C to stop)", flush=True)
    proc = subprocess.Popen(command, env=env, cwd=str(notebook.parent))
    try:
        return proc.wait()
    finally:
        stop_tree(proc)


def caseload_note(base: Scenario, shown: Scenario) -> str:
    """What the panel says when its caseload is not the one the scenario's brief uses:
    how much smaller (fewer consumers answer while a slider moves), so its totals are not
    read beside the brief's ("" when they are the same size)."""
    brief, here = base.caseload.consumers, shown.caseload.consumers
    if here == brief:
        return ""
    scale = f"{here / brief:.0%} of" if here < brief else f"{here / brief:.1f} times"
    return (
        f" <span class='jc-smaller'>This panel simulates {here:,} consumers, {scale} the "
        f"{brief:,} of the scenario's brief, so its totals are about {scale} the "
        "brief's; the brief of an exported scenario uses its full caseload.</span>"
    )


def explorer_for(
    scenario: str | Path = DEFAULT_SCENARIO,
    replications: int | None = None,
    seed: int | None = None,
    sets: dict[str, str] | None = None,
) -> Explorer:
    """An explorer on a scenario file, with the notebook parameters applied (its own
    number of replications unless one is given)."""
    base = load_scenario(scenario, run_changes(None, seed, sets))
    return Explorer(base, replications=replications or EXPLORER_REPLICATIONS)
