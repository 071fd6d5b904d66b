"""A YAML SafeLoader with bounds, for YAML read from repositories and command lines.

A "billion laughs" document is a few hundred bytes of nested anchors and aliases
that expand to billions of nodes once anything walks the result; deep flow
nesting (``[[[[...``) exhausts the recursion of the composer. ``BoundedSafeLoader``
composes a document while counting:

- the nodes that aliases add (an alias adds the whole subtree of its anchor,
  aliases inside it included): at most ``max_alias_nodes`` per stream, so a few
  legitimate anchors still work;
- the nesting of sequences and mappings: at most ``max_depth`` levels;
- an alias to an anchor still being composed (a recursive structure) is refused.

Each refusal is a ``YAMLLimitError`` (a ``MarkedYAMLError``) at the line of the
offending alias or collection, with ``hint`` saying what to do.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_ALIAS_NODES = 1000
MAX_DEPTH = 64

_ALIAS_HINT = "write the value out instead of using a YAML alias"


class YAMLLimitError(yaml.composer.ComposerError):
    """The document exceeds a bound of ``BoundedSafeLoader``; ``hint`` says what to do."""

    def __init__(self, problem: str, mark: yaml.Mark | None, hint: str) -> None:
        super().__init__(None, None, problem, mark)
        self.hint = hint


class BoundedSafeLoader(yaml.SafeLoader):
    """SafeLoader that bounds alias expansion and nesting (see the module docstring)."""

    max_alias_nodes = MAX_ALIAS_NODES
    max_depth = MAX_DEPTH

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # id(node) -> nodes in its subtree, aliases expanded; absent while composing.
        self._sizes: dict[int, int] = {}
        self._alias_nodes = 0
        self._depth = 0

    def compose_document(self) -> yaml.Node | None:
        node: yaml.Node | None = super().compose_document()
        self._sizes = {}  # the anchors are gone too; the alias budget is per stream
        return node

    def _next_event(self) -> Any:
        return self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self._next_event()
            node = super().compose_node(parent, index)  # an undefined alias is refused here
            size = self._sizes.get(id(node))
            if size is None:
                raise YAMLLimitError(
                    f"alias '*{event.anchor}' refers to an anchor that contains it "
                    "(a recursive structure)",
                    event.start_mark,
                    _ALIAS_HINT,
                )
            self._alias_nodes += size
            if self._alias_nodes > self.max_alias_nodes:
                raise YAMLLimitError(
                    f"alias '*{event.anchor}' takes the nodes that aliases add to the document "
                    f"past {self.max_alias_nodes} (a guard against alias bombs)",
                    event.start_mark,
                    _ALIAS_HINT,
                )
            return node
        event = self._next_event()
        collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if collection:
            self._depth += 1
            if self._depth > self.max_depth:
                raise YAMLLimitError(
                    f"sequences and mappings nested more than {self.max_depth} levels deep",
                    event.start_mark,
                    "flatten the structure",
                )
        try:
            node = super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1
        if node is not None:
            self._sizes[id(node)] = 1 + sum(self._sizes[id(child)] for child in _children(node))
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
