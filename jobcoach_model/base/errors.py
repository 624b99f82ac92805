"""Errors a user can cause, each carrying the one-line message the CLI prints: every
error class of the package, in one place.

Every failure that comes from input (a file, a scenario, an override) is a
``JobcoachError`` so that the command line can print one line and exit 2, while a bug in
the package still surfaces as a normal traceback.
"""

from __future__ import annotations


class JobcoachError(Exception):
    """A problem with the user's input, described in one line."""


class InputError(JobcoachError):
    """A value in an input table is missing, malformed or inconsistent.

    The message names the file (or table), the row and the column, and what was expected,
    so the user can go straight to the cell; ``header`` is an export's own name for the
    column, when a column mapping renamed it; ``line`` is the row's own line in its file.
    """

    def at_line(self, line: int | None) -> InputError:
        """The same error, naming the row's own line in its file."""
        return InputError(
            self.source,
            self.expected,
            row=self.row,
            column=self.column,
            got=self.got,
            header=self.header,
            line=line,
        )

    def __init__(
        self,
        source: str,
        expected: str,
        *,
        row: int | None = None,
        column: str | None = None,
        got: object = None,
        header: str | None = None,
        line: int | None = None,
    ) -> None:
        self.source, self.row, self.column, self.expected, self.got = (
            source,
            row,
            column,
            expected,
            got,
        )
        self.header, self.line = header, line
        where = [source]
        if row is not None:
            # the file's own line: given by a reader that knows it (blank lines, quoted
            # line breaks, a sheet's offset), else the header line plus the row
            where.append(f"row {row + 1} (line {row + 2 if line is None else line})")
        if column is not None and header not in (None, column):  # an export's own header
            where.append(f"column '{header}' (contract column '{column}')")
        elif column is not None:
            where.append(f"column '{column}'")
        text = ", ".join(where) + f": expected {expected}"
        if got is not None:
            text += f", got {got!r}"
        super().__init__(text)


class CostsError(JobcoachError):
    """A coach's costs file that cannot be read, or a worksheet a rulebook cannot give."""


class RulebookError(JobcoachError):
    """A state's folder under ``rulebooks/`` cannot be read or loaded: the message names
    the folder and the file. Only that state is affected; the others keep working."""


class OverrideError(JobcoachError):
    """An override names an unknown parameter or gives a value of the wrong type."""


class ParameterDateError(JobcoachError):
    """A parameter was asked for a date before its first known value."""


class BridgeError(JobcoachError):
    """A bridge between schemes that are not in the scenario."""


class BriefError(JobcoachError):
    """The brief notebook failed; the message names the cell and the error."""


class BudgetError(JobcoachError):
    """A run that would not fit in memory or in the time limit."""


class ColumnMapError(JobcoachError):
    """A column mapping file that cannot be used."""


class OutputError(JobcoachError):
    """An output path that would overwrite an input or a folder of the user's files."""


class ScenarioError(JobcoachError):
    """A scenario file (or a --set on it) that does not fit the schema."""


class SensitivityError(JobcoachError):
    """A point of the analysis that could not run (its message names the field)."""


class SweepError(JobcoachError):
    """A sweep file that does not fit the schema, or a cluster that cannot be reached."""
