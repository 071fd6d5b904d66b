"""Reading a policy: strict YAML (positions, no duplicate keys), errors that name the
key and line, the embedded default policy and the published JSON Schema."""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from releasegate.boundedyaml import BoundedSafeLoader, YAMLLimitError
from releasegate.errors import ConfigError
from releasegate.policy.fields import DEFAULT_POLICY_RESOURCE, EMBEDDED_POLICY, MAX_POLICY_BYTES
from releasegate.policy.quality_stages import CustomStage, StagesSection
from releasegate.policy.schema import LoadedPolicy, Policy

# --- YAML with positions and without silent duplicate keys ------------------------------


class _StrictLoader(BoundedSafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML keeps the last one silently), alias
    bombs and deep nesting (``BoundedSafeLoader``)."""


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first at line {seen[key].start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)
# Dates stay strings in YAML so that the schema, not the YAML loader, judges them
# (PyYAML raises a bare ValueError for 2027-13-01).
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

Path_ = tuple[str | int, ...]


def _positions(node: yaml.Node, path: Path_, out: dict[Path_, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            here = (*path, key)
            out[here] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _positions(value_node, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = (*path, index)
            out[here] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _positions(item, here, out)


def _unwrap(annotation: Any) -> Any:
    """The model class inside ``X | None`` / ``list[X]`` / ``Annotated[X, ...]``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (list, Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unwrap(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
    return annotation


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    model: Any = Policy
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(part)
        if field is None and model is StagesSection:
            model = CustomStage  # any other name under `stages` is a custom stage
            continue
        if field is None:
            return []
        model = _unwrap(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _describe(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        message = f"unknown key '{key}'"
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        elif allowed:
            message += f" (allowed here: {', '.join(allowed)})"
        return message
    name = ".".join(str(p) for p in loc) or "the document"
    if kind == "missing":
        return f"missing required key '{name}'"
    text = str(error["msg"]).removeprefix("Value error, ")
    if kind == "literal_error" and loc == ("version",):
        return (
            f"unsupported policy version {error.get('input')!r}: this releasegate reads version 1"
        )
    if kind == "date_from_datetime_parsing" or kind.startswith("date_"):
        return f"{name}: {text} (write dates as YYYY-MM-DD)"
    return f"{name}: {text}"


def _locate(loc: Sequence[str | int], positions: dict[Path_, tuple[int, int]]) -> int | None:
    path = tuple(loc)
    while path:
        if path in positions:
            return positions[path][0]
        path = path[:-1]
    return None


def parse_policy(text: str, source: str, origin: str = "") -> Policy:
    """Parse and validate policy text.

    ``source`` names the file in error messages (``file:line: problem``);
    ``origin`` says where it was read from (e.g. the base commit).
    """
    suffix = f" [{origin}]" if origin else ""
    size = len(text.encode("utf-8", "surrogateescape"))
    if size > MAX_POLICY_BYTES:
        raise ConfigError(
            f"{source}: the policy file is {size} bytes, over the limit of 1 MiB "
            f"({MAX_POLICY_BYTES} bytes){suffix}",
            hint="a policy is a few kilobytes: check that this is the policy file",
        )
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except YAMLLimitError as exc:
        line = f":{exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        raise ConfigError(f"{source}{line}: {exc.problem}{suffix}", hint=exc.hint) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"{source}{line}: YAML syntax error: {problem}{suffix}",
            hint="fix the YAML; `releasegate init` writes a valid starter policy",
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: YAML error: {exc}{suffix}") from None
    if data is None:
        raise ConfigError(f"{source}: the policy file is empty", hint="write at least `version: 1`")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}:1: the policy must be a mapping with `version: 1` at the top{suffix}"
        )
    positions: dict[Path_, tuple[int, int]] = {}
    if node is not None:
        _positions(node, (), positions)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        lineno = _locate(first["loc"], positions)
        where = f"{source}:{lineno}" if lineno is not None else source
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(f"{where}: {_describe(first)}{more}{suffix}") from None


def read_policy_file(path: Path) -> str:
    """The text of the policy file ``path``, read no further than the size limit.

    The same text as ``path.read_text("utf-8")`` (newlines translated); raises
    ``OSError`` / ``UnicodeDecodeError`` like it, and ``ConfigError`` for a file over
    ``MAX_POLICY_BYTES`` (``/dev/zero`` included).
    """
    with path.open(encoding="utf-8") as stream:
        text = stream.read(MAX_POLICY_BYTES + 1)
    if len(text) > MAX_POLICY_BYTES:
        raise ConfigError(
            f"{path}: the policy file is over the limit of 1 MiB ({MAX_POLICY_BYTES} bytes)",
            hint="a policy is a few kilobytes: check that this is the policy file",
        )
    return text


def starter_policy_text() -> str:
    return resources.files("releasegate.data").joinpath(DEFAULT_POLICY_RESOURCE).read_text("utf-8")


def default_policy(*, why: str | None = None) -> LoadedPolicy:
    """The embedded default; ``why`` says why it governs instead of the base's file."""
    text = starter_policy_text()
    return LoadedPolicy(
        policy=parse_policy(text, EMBEDDED_POLICY),
        source=EMBEDDED_POLICY + (f" ({why})" if why else ""),
        trusted=True,
        digest="sha256:" + hashlib.sha256(text.encode()).hexdigest(),
    )


def loaded_from_text(text: str, *, path: str, origin: str, trusted: bool) -> LoadedPolicy:
    return LoadedPolicy(
        policy=parse_policy(text, path, origin),
        source=f"{path} ({origin})",
        trusted=trusted,
        digest="sha256:" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest(),
    )


def policy_json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://releasegate.invalid/schemas/policy-v1.json"
    schema["title"] = "releasegate policy (.releasegate.yml), version 1"
    return schema
