"""Arrow text columns handled as they are: ids kept without a Python string per row, and
byte-level checks on the column's UTF-8 buffer (a few milliseconds for a million cells,
where a regular expression per cell takes tens).

The checks read the bytes Arrow already holds: a character the check looks for is ASCII
(a comma, a quote, ``=``), and in UTF-8 an ASCII byte is always that character, never part
of another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _buffers(data) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of each cell (one more than there are cells) and the UTF-8 bytes of a
    string or large_string Arrow array, as numpy views (no copy)."""
    import pyarrow as pa

    width = np.dtype(np.int64 if pa.types.is_large_string(data.type) else np.int32)
    _, offsets, values = data.buffers()
    offsets = np.frombuffer(
        offsets, dtype=width, count=len(data) + 1, offset=data.offset * width.itemsize
    )
    if values is None:
        return offsets, np.zeros(0, dtype=np.uint8)
    return offsets, np.frombuffer(values, dtype=np.uint8)


def _table(chars: bytes) -> np.ndarray:
    if any(c > 0x7F for c in chars):
        raise ValueError("byte checks look for ASCII characters only")
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    return table


def holds_any(data, chars: bytes) -> bool:
    """Whether any cell of an Arrow text array holds one of the ASCII ``chars``."""
    if len(data) == 0:
        return False
    offsets, values = _buffers(data)
    used = values[offsets[0] : offsets[-1]]
    return bool(np.isin(used, np.frombuffer(chars, dtype=np.uint8)).any())


def starts_with_any(data, chars: bytes) -> np.ndarray:
    """Per cell of an Arrow text array, whether it starts with one of the ASCII
    ``chars`` (an empty or missing cell does not)."""
    table = _table(chars)
    offsets, values = _buffers(data)
    start, end = offsets[:-1], offsets[1:]
    out = np.zeros(len(data), dtype=bool)
    filled = end > start
    if data.null_count:
        filled &= data.is_valid().to_numpy(zero_copy_only=False)
    out[filled] = table[values[start[filled]]]
    return out


class ArrowText:
    """An Arrow id column kept as it is, with no Python string per row, until cells are
    asked for (``ids[i]``, ``ids[positions]``, ``ids == value``): ids are linked and
    checked for duplicates on Arrow, and only named in errors, ties and explanations."""

    def __init__(self, data) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        if isinstance(index, int | np.integer):
            return self.data[int(index)].as_py()
        import pyarrow as pa

        return self.data.take(pa.array(np.asarray(index))).to_numpy(zero_copy_only=False)

    def __eq__(self, other) -> np.ndarray:  # type: ignore[override]
        import pyarrow.compute as pc

        return pc.equal(self.data, other).to_numpy(zero_copy_only=False)

    __hash__ = None  # type: ignore[assignment]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        values = self.data.to_numpy(zero_copy_only=False)
        return values if dtype is None else values.astype(dtype)

    def first_duplicate(self) -> int | None:
        """Position of the first id seen before, or None when every id is distinct
        (hashed on Arrow, which releases the GIL: ``normalize`` runs it beside the other
        columns' checks)."""
        import pyarrow.compute as pc

        if len(pc.unique(self.data)) == len(self.data):
            return None
        seen = pd.Series(self.data.to_numpy(zero_copy_only=False), dtype=object).duplicated()
        return int(np.flatnonzero(seen.to_numpy())[0])
