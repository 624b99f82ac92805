"""The ``jobcoach`` command line: a thin dispatcher over one module per command group
(``rulebooks``, ``records``, ``scenarios``, ``sweeps``) and the options they share
(``common``).

Every input problem ends in one line on stderr naming the file, row and column, and exit
code 2; nothing is written unless the whole result is. ``jobcoach --help`` imports no
command's module dependencies: each command imports what it uses when it runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from jobcoach_model.base.errors import JobcoachError
from jobcoach_model.cli import records, rulebooks, scenarios, sweeps
from jobcoach_model.cli.common import EXAMPLES, Parser
from jobcoach_model.cli.records import adjudicate_files

__all__ = ["EXAMPLES", "adjudicate_files", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser with every subcommand, group by group."""
    parser = Parser(
        prog="jobcoach",
        description="State vocational-rehabilitation job-coaching policy: the rules side by side, "
        "adjudication of service records, caseload simulation, cost briefs and a "
        "what-if explorer.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    for group in (rulebooks, records, scenarios, sweeps):
        group.register(sub)
    return parser


def _stop(signum: int, _frame) -> None:
    """SIGINT, SIGTERM and SIGHUP end the command alike: every ``finally`` and context
    manager runs, so clusters, kernels and temporary files are cleaned up, and what the
    closing cluster or the notebook runner would log about the cancelled work (a dask
    worker's lost heartbeat, papermill's "Kernel died while waiting for execute reply")
    is silenced: one line stays."""
    import logging

    for name in ("distributed", "tornado", "asyncio", "papermill", "nbclient", "traitlets"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jobcoach`` command."""
    args = build_parser().parse_args(argv)  # --help ends here, having imported nothing big
    from jobcoach_model.base.environment import TIME_LIMIT_ENV

    limit_before = os.environ.get(TIME_LIMIT_ENV)
    if getattr(args, "time_limit", None) is not None:
        os.environ[TIME_LIMIT_ENV] = str(args.time_limit)  # kernels and workers inherit it
    # SIGINT too, explicitly: a process started in the background by a shell script
    # inherits SIGINT ignored, and would otherwise run on after Ctrl-C or kill -INT
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, _stop) for s in stops}
    try:
        return args.func(args)
    except JobcoachError as err:
        print(f"jobcoach: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an unwritable or vanished output: one line, not a traceback
        where = f" {err.filename}" if err.filename else ""
        print(f"jobcoach: error: cannot write{where}: {err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        why = str(err) or "SIGINT"
        print(f"jobcoach: stopped ({why}); nothing half-written was left", file=sys.stderr)
        return 130
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if limit_before is None:
            os.environ.pop(TIME_LIMIT_ENV, None)
        else:
            os.environ[TIME_LIMIT_ENV] = limit_before


if __name__ == "__main__":
    sys.exit(main())
