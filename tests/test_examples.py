"""The bundled example records exercise every rule the engine applies."""

from __future__ import annotations

import pandas as pd

from jobcoach_model import adjudicate, load_rulebook
from jobcoach_model.cli import EXAMPLES


def _examples():
    return [
        pd.read_csv(EXAMPLES / f"{n}.csv", dtype=str, keep_default_na=False)
        for n in ("cases", "coaches", "services")
    ]


def test_example_records_fire_every_engine_rule():
    for code in ("KS", "IA"):
        book = load_rulebook(code)
        result = adjudicate(*_examples(), rules=code)
        fired = set(";".join(result["rule_ids"]).split(";"))
        engine_rules = {r.id for r in book.rules if r.effect != "info"}
        assert engine_rules - fired == set(), code
        assert set(result["status"]) == {"paid", "held", "denied"}


def test_example_result_is_in_input_order_with_contract_columns():
    cases, coaches, services = _examples()
    result = adjudicate(cases, coaches, services, rules="IA")
    assert list(result.columns) == [
        "service_id",
        "status",
        "payable_hours",
        "rate",
        "amount",
        "payee",
        "rule_ids",
    ]
    assert result["service_id"].tolist() == services["service_id"].tolist()
    denied = result[result["status"] == "denied"]
    assert (denied["amount"] == 0).all() and (denied["payable_hours"] == 0).all()
