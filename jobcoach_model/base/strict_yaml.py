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
