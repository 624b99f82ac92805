"""YAML read strictly: a key given twice in one mapping is refused (plain YAML keeps the
last silently, so ``name: a`` then ``name: b`` would be read as ``b``). One loader for
every YAML file the tool reads: scenarios, sweeps, column mappings and rulebooks."""

from __future__ import annotations

import yaml


class DuplicateKeyError(yaml.YAMLError):
    """A key given twice in one mapping of a YAML file."""


def _construct_mapping(self, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = self.construct_object(key_node, deep=deep)
        if key in seen:
            raise DuplicateKeyError(
                f"key {key!r} is given twice (lines {seen[key]} and "
                f"{key_node.start_mark.line + 1}); keep one"
            )
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(self, node, deep=deep)


class StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping."""

    construct_mapping = _construct_mapping


class FastStrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same on libyaml's parser where it is installed (rulebooks, read at start)."""

    construct_mapping = _construct_mapping


def read_mapping(path, what: str, error: type[Exception]) -> dict:
    """The mapping at the top of a YAML file, or ``error`` with one line naming the file
    and what was expected (``what``: "a scenario (a mapping of sections)", ...): invalid
    YAML with its line, a key given twice, text that is not UTF-8, an empty file."""
    from pathlib import Path

    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=StrictLoader)
    except DuplicateKeyError as err:
        raise error(f"{path}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise error(f"{path}: expected valid YAML{where}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: expected a UTF-8 text file (YAML)") from None
    if data is None:
        raise error(f"{path}: expected {what}; the file is empty or holds only comments")
    if not isinstance(data, dict):
        raise error(f"{path}: expected {what} at the top level")
    return data
