"""Makes ``billing_export.xlsx``: the bundled example records as an agency's billing
export would hold them (its own headers, Y/N flags, US dates as text, service dates and
codes as typed Excel cells), with ``billing_export_columns.yaml`` mapping it back to the
contract. Run from the repository root: ``python jobcoach_model/examples/export/make_export.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).parent
EXAMPLES = HERE.parent
HEADERS = {
    "cases": {
        "case_id": "Authorization #",
        "authorized_from": "Auth Start",
        "authorized_to": "Auth End",
        "authorized_hours": "Hours Authorized",
        "plan_approved_on": "Plan Approved",
        "with_placement": "With Placement",
        "offsite_approved": "Off-site Approved",
        "concurrent_services": "Other Services",
        "withdrawal_notice_on": "Withdrawal Notice",
        "reports_current": "Reports Current",
        "needs_customized_training": "Needs Customized Training",
        "employer_can_train": "Employer Can Train",
        "stabilized_on": "Stabilized",
    },
    "coaches": {
        "coach_id": "Vendor ID",
        "hourly_rate": "Rate",
        "credential": "Credential",
        "training_started_on": "Training Start",
        "w9_on_file": "W-9",
        "liability_insurance": "Liability Insurance",
        "independent": "Independent",
        "cco_approved": "CCO",
        "provider_id": "Agency",
    },
    "services": {
        "service_id": "Line #",
        "case_id": "Authorization #",
        "coach_id": "Vendor ID",
        "date": "Service Date",
        "hours": "Units (hours)",
        "setting": "Location",
        "consumer_present": "Consumer Present",
        "group_size": "Group Size",
        "service_code": "Service Code",
        "group_approved": "Group Approved",
    },
}
BOOLS = {"true": "Y", "false": "N", "": ""}
SETTINGS = {"on_site": "On site", "off_site": "Off site", "": ""}
TEXT_DATES = "%m/%d/%Y"


def _us(text: str) -> str:
    return dt.date.fromisoformat(text).strftime(TEXT_DATES) if text else ""


def export_frames() -> dict[str, pd.DataFrame]:
    """The example tables in the export's terms."""
    out = {}
    for name, headers in HEADERS.items():
        frame = pd.read_csv(EXAMPLES / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in frame.columns:
            values = frame[column]
            if set(values) <= {"true", "false", ""} and column not in ("service_code",):
                frame[column] = values.map(BOOLS)
            elif column == "setting":
                frame[column] = values.map(SETTINGS)
            elif column == "date":  # typed Excel date cells
                frame[column] = pd.to_datetime(values)
            elif column.endswith(("_on", "_from", "_to")):
                frame[column] = values.map(_us)
            elif column in ("hours", "authorized_hours", "hourly_rate", "group_size"):
                frame[column] = pd.to_numeric(values.replace("", None))
            elif column == "service_code":
                frame[column] = pd.to_numeric(values.replace("", None))  # numbers in Excel
        out[name] = frame.rename(columns=headers)
    return out


def column_map() -> dict:
    """The mapping file's content."""
    values, formats = {}, {}
    for name in HEADERS:
        frame = pd.read_csv(EXAMPLES / f"{name}.csv", dtype=str, keep_default_na=False)
        flags = [
            c
            for c in frame.columns
            if set(frame[c]) <= {"true", "false", ""} and c != "service_code"
        ]
        values[name] = {c: {"Y": True, "N": False} for c in flags}
        dates = [c for c in frame.columns if c.endswith(("_on", "_from", "_to"))]
        if dates:
            formats[name] = {c: TEXT_DATES for c in dates}
    values["services"]["setting"] = {"On site": "on_site", "Off site": "off_site"}
    columns = {name: {v: k for k, v in headers.items()} for name, headers in HEADERS.items()}
    return {"columns": columns, "values": values, "formats": formats}


if __name__ == "__main__":
    with pd.ExcelWriter(HERE / "billing_export.xlsx", engine="openpyxl") as writer:
        for name, frame in export_frames().items():
            frame.to_excel(writer, sheet_name=name, index=False)
    text = yaml.safe_dump(column_map(), sort_keys=False, allow_unicode=True)
    header = (
        "# Maps billing_export.xlsx (an agency's own headers, Y/N flags, US dates) to the\n"
        "# CSV contract. Made by make_export.py beside this file.\n"
    )
    (HERE / "billing_export_columns.yaml").write_text(header + text, encoding="utf-8")
