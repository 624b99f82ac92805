"""A new jurisdiction's skeleton (``jobcoach new-rulebook XX``): the folder
``rulebooks/xx/`` with every file the registry needs, holding one flat-rate rule whose
figure and citation are placeholders to replace with the state's source.

The skeleton registers, prices and passes the leak test as written; everything else the
state's sources say is added in the folder (README, "Add a state"), never elsewhere.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from jobcoach_model.base.errors import JobcoachError
from jobcoach_model.law.jurisdictions import RULEBOOK_DIR

#: index.yaml's fields, written through a YAML emitter (a name such as "Nebraska: DHHS"
#: would not parse as a plain scalar)
_PLACEHOLDERS = {
    "agency": "FILL IN: the agency whose document this is",
    "document": "FILL IN: the document's title, section and date",
}

_FILES = {
    "parameters.yaml": """\
# {name} job-coaching parameters. Values are keyed by the day they take effect; each
# cites the shortest clause of the source that states it. A value of null stops the
# parameter on its day (a line dated after it is refused).
hourly_rate:
  label: The hourly rate
  description: Hourly rate paid for job coaching.
  unit: USD/hour
  type: number
  note: "Skeleton: replace the value, its day and its reference with the source's."
  values:
    {effective}:
      value: 1.00
      reference: {{source: "FILL IN: file", quote: "FILL IN: the clause that states the rate"}}
""",
    "interpretations.yaml": """\
# Where the {name} source is silent or reads two ways: a named reading, its alternatives,
# the default and why. Borrow nothing from another state's folder.
rounding:
  question: How is a line's amount rounded to the cent?
  label: Rounding to the cent
  option_labels:
    half_up: half a cent up
    half_even: half a cent to the even cent
  options:
    half_up: Each line is rounded once, half a cent up (13.335 -> 13.34).
    half_even: Each line is rounded once, half a cent to the even cent (13.345 -> 13.34).
  default: half_up
  reason: >-
    Skeleton: say what the source says about rounding, or that it is silent.
  reference: {{source: "FILL IN: source file", quote: "FILL IN: the clause the reading rests on"}}
""",
    "rules.yaml": """\
# {name} rules: one entry per rule id (effect: deny | hold | cap | prorate | rate | payee |
# allow | info). A topic with no rule is shown as silent in the side-by-side table.
- id: {code}-RATE
  label: "Hourly rate (skeleton: replace)"
  topic: rate
  effect: rate
  basis: assumption
  note: "Skeleton: replace with the source's rate rule and cite it."
  statement: Job coaching is paid at hourly_rate; each line rounded to the cent (reading rounding).
  parameters: [hourly_rate]
  interpretations: [rounding]
  reference: {{source: "FILL IN: source file", quote: "FILL IN: the clause that states the rule"}}
""",
    "rules.py": '''\
"""{name} rules, one unit per rule id, each under the clause it implements.

Every unit has a vectorized form (``vector``) and a line-by-line twin (``line``), written
separately; the differential tests hold them equal. Mechanisms other states share (an
authorization window, an hours cap, group proration) are in ``rules/common.py``.
"""

from __future__ import annotations

from jobcoach_model.rulebooks.api import FlatRate
from jobcoach_model.rulebooks.api import register


# FILL IN: source file: "the clause that states the rate"
@register
class {cls}Rate(FlatRate):
    id = "{code}-RATE"
    parameter = "hourly_rate"
''',
    "__init__.py": '''\
"""{name}: everything the state decides beyond its rule units (``rules.py``) and its
rulebook files. Override a hook of ``Jurisdiction`` only where the sources say something
(when it pays, lines it cannot price, schemes beyond hourly, a benchmark, an appeal
route, explorer controls); the defaults are a silent rulebook's."""

from __future__ import annotations

from jobcoach_model.rulebooks.api import Jurisdiction


class {cls}(Jurisdiction):
    """{name}'s hooks."""

    code = "{code}"


JURISDICTION = {cls}()
''',
}


def _index_yaml(code: str, name: str, effective: str) -> str:
    """``index.yaml`` of the skeleton, emitted by PyYAML so any printable name parses."""
    import datetime as dt

    import yaml

    index = {
        "code": code,
        "order": 100,
        "name": name,
        **_PLACEHOLDERS,
        "effective": dt.date.fromisoformat(effective),
        "sources": ["FILL IN: the source's file name (a seed file, or published_figures.md)"],
        "fiscal_year": {
            "month": 7,
            "day": 1,
            "basis": "assumption",
            "note": "FILL IN: the state's fiscal year",
        },
    }
    return yaml.safe_dump(index, sort_keys=False, allow_unicode=True, width=100)


def write_skeleton(code: str, name: str | None = None, into: Path | None = None) -> Path:
    """Write ``rulebooks/<code>/`` (or ``into/<code>/``) whole, or nothing: refused when
    the code is not two or three ASCII letters, the name is not one printable line
    without quotes or backslashes (it lands in comments and docstrings), or the folder
    exists."""
    raw = code.strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}", raw, flags=re.ASCII):  # "ß".upper() is "SS"
        raise JobcoachError(
            f"new-rulebook: expected a code of two or three ASCII letters such as NE, got {code!r}"
        )
    code = raw.upper()
    name = code if name is None else name.strip()
    if not name or not name.isprintable() or any(c in name for c in '"\\'):
        raise JobcoachError(
            "new-rulebook --name: expected the state's name on one line, without quotes or "
            f"backslashes, e.g. Nebraska, got {name!r}"
        )
    into = Path(into) if into is not None else RULEBOOK_DIR
    target = into / code.lower()
    if target.exists():
        raise JobcoachError(f"new-rulebook: {target} exists; it is never replaced")
    into.mkdir(parents=True, exist_ok=True)
    cls = re.sub(r"\W", "", name.title())
    fields = {
        "code": code,
        "name": name,
        "cls": cls if cls.isidentifier() else f"State{cls}",
        "effective": "2026-01-01",
    }
    with tempfile.TemporaryDirectory(dir=into, prefix=".partial-") as tmp:
        folder = Path(tmp) / code.lower()
        folder.mkdir()
        (folder / "index.yaml").write_text(
            _index_yaml(code, name, fields["effective"]), encoding="utf-8"
        )
        for filename, text in _FILES.items():
            (folder / filename).write_text(text.format(**fields), encoding="utf-8")
        shutil.move(str(folder), target)
    return target
