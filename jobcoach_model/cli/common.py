"""What every command group shares: the one-line-error parser, ``--set`` pairs, the
table printer and the options several commands take (``--columns``, ``--workers`` /
``--scheduler``, ``--time-limit``, ``--force``, ``--set``, ``--rules``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jobcoach_model.base.errors import OverrideError

if TYPE_CHECKING:  # a command imports what it uses, so `jobcoach --help` starts fast
    import pandas as pd

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_sets(items: Sequence[str] | None) -> dict[str, str]:
    """``NAME=VALUE`` pairs from ``--set`` options."""
    out: dict[str, str] = {}
    for item in items or ():
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise OverrideError(f"--set {item!r}: expected NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def show_table(frame: pd.DataFrame, width: int = 60) -> str:
    """A DataFrame as a wrapped plain-text grid for the terminal."""
    from tabulate import tabulate

    widths = [width] * len(frame.columns)
    return tabulate(
        frame.values.tolist(),
        headers=list(frame.columns),
        tablefmt="grid",
        maxcolwidths=widths,
        disable_numparse=True,
    )


def add_columns(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--columns",
        type=Path,
        help="a column mapping (YAML) from an export's own headers, spellings and date "
        "formats to the contract (jobcoach columns --template)",
    )


def add_cluster(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="worker processes of a local Dask cluster (0: run here, one point at a time)",
    )
    group.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on the Dask cluster behind this scheduler"
    )


def add_time_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help="refuse a run estimated to take longer (default 3600; 0: no limit)",
    )


def add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder, or over a file, that this tool did not write (or that "
        "was edited since)",
    )


def add_set(parser: argparse.ArgumentParser, metavar: str, text: str) -> None:
    parser.add_argument("--set", action="append", metavar=metavar, help=text)


def rules_code(raw: str) -> str:
    """A registered jurisdiction's code (argparse's ``type`` for ``--rules``)."""
    from jobcoach_model.law.jurisdictions import broken, codes

    code = raw.strip().upper()
    if code in broken():  # its folder is there but cannot be read: say which file
        raise argparse.ArgumentTypeError(broken()[code])
    if code not in codes():
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(codes())}, got {raw!r}")
    return code


def parallel(args: argparse.Namespace) -> int:
    """Points run at once: the local workers (a cluster behind --scheduler counts as 2,
    its size being unknown until it is asked)."""
    return 2 if args.scheduler else max(1, args.workers)
