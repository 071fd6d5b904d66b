"""Does untrusted data really reach this sink? A small, conservative Python-AST pass.

The pattern rules (semgrep's taint mode, bandit's shell and SQL tests) report a sink
whose argument is built at run time. Some of those arguments are provably safe: a branch
whose condition folds to a constant always assigns a literal, the element picked from a
list or dict literal is the constant one, the value is replaced before use, or it went
through a sanitiser for that kind of sink (``int()``, ``shlex.quote`` for a shell,
``html.escape`` for HTML). ``proven_clean`` decides, for one finding, whether *every*
value that reaches the sink's arguments is such a value, and says why.

It proves, it never guesses: anything it does not understand is tainted (a parameter,
an attribute, a call it does not know, a name it cannot resolve, a loop's variable, a
closure's variable), so the answer "clean" means that, within the function and under
these rules, no input reaches the sink. Only then is a finding downgraded (kept, not
blocking; ``checks.reachability``). One function at a time, no aliasing of mutable
containers beyond literal element tracking, no inter-procedural reasoning.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Sink(Enum):
    SHELL = "shell"
    SQL = "sql"
    HTML = "html"
    PATH = "path"
    URL = "url"
    XPATH = "xpath"
    DESERIALIZE = "deserialize"
    LDAP = "ldap"
    CODE = "code"
    SESSION = "session"
    XML = "xml"


ALL: frozenset[Sink] = frozenset(Sink)
# Sinks that act on the object a method is called on (``Path(...).open()``), so the object
# counts as an argument; for the others (``cursor.execute(sql)``) only the arguments do.
_DATA_RECEIVERS = frozenset({Sink.PATH, Sink.CODE})
# Sinks whose danger is in the document only (``etree.fromstring(doc, parser)``): the
# other arguments configure the parser, which the rule that fired has already judged.
_DOCUMENT_SINKS = frozenset({Sink.XML})
_NO_CONST = object()


@dataclass(frozen=True)
class Val:
    """What is known of a value: the sinks it is still dangerous for (empty: clean), its
    constant value when known, and the elements of a literal list/tuple or dict."""

    taint: frozenset[Sink] = ALL
    const: object = _NO_CONST
    items: tuple[Val, ...] | None = None
    keys: tuple[tuple[object, Val], ...] | None = None

    @property
    def known(self) -> bool:
        return self.const is not _NO_CONST


TAINTED = Val()
CLEAN = Val(taint=frozenset())


def _const(value: object) -> Val:
    return Val(taint=frozenset(), const=value)


def _join(*values: Val) -> Val:
    taint: frozenset[Sink] = frozenset()
    for value in values:
        taint |= value.taint
    return Val(taint=taint)


def _merge(a: Val, b: Val) -> Val:
    """The value of a variable after two paths joined."""
    if a == b:
        return a
    return _join(a, b)


# Calls whose result carries no input (a number or a truth value), whatever the input.
_NUMBERS = frozenset({"int", "float", "bool", "len", "abs", "round", "ord", "hash", "complex"})
# Calls whose result is their input reshaped: taint passes through.
_RESHAPE = frozenset(
    {
        "str", "repr", "format", "bytes", "bytearray", "list", "tuple", "sorted",
        "reversed", "min", "max", "sum", "set", "frozenset",
        "base64.b64encode", "base64.b64decode", "base64.urlsafe_b64encode",
        "base64.urlsafe_b64decode", "base64.b32encode", "base64.b32decode",
        "base64.b16encode", "base64.b16decode", "binascii.hexlify", "binascii.unhexlify",
        "urllib.parse.quote", "urllib.parse.unquote", "urllib.parse.quote_plus",
        "io.StringIO", "io.BytesIO",
        "urllib.parse.unquote_plus", "codecs.encode", "codecs.decode",
        "pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "os.path.join",
        "os.path.normpath", "os.path.abspath", "os.path.realpath", "os.path.dirname",
        "os.path.basename", "os.path.expanduser", "posixpath.join", "open", "io.open",
        "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
    }
)  # fmt: skip
_METHODS_RESHAPE = frozenset(
    {
        "encode", "decode", "strip", "lstrip", "rstrip", "lower", "upper", "title",
        "capitalize", "casefold", "swapcase", "replace", "format", "join", "split",
        "rsplit", "splitlines", "zfill", "center", "ljust", "rjust", "removeprefix",
        "removesuffix", "expandtabs", "copy",
    }
)  # fmt: skip
# Sanitisers: what each makes safe.
_SANITISERS: Mapping[str, frozenset[Sink]] = {
    "shlex.quote": frozenset({Sink.SHELL}),
    "pipes.quote": frozenset({Sink.SHELL}),
    "html.escape": frozenset({Sink.HTML}),
    "markupsafe.escape": frozenset({Sink.HTML}),
    "flask.escape": frozenset({Sink.HTML}),
    "django.utils.html.escape": frozenset({Sink.HTML}),
    "escape": frozenset({Sink.HTML}),
}
_BINOPS: Mapping[type[ast.operator], Callable[[object, object], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: Mapping[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_MAX_FOLDED = 10_000  # a folded constant larger than this is not kept (no string bombs)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _small(value: object) -> bool:
    if isinstance(value, str | bytes):
        return len(value) <= _MAX_FOLDED
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= 10**18
    return isinstance(value, bool | float) or value is None


@dataclass
class _Env:
    names: dict[str, Val] = field(default_factory=dict)

    def copy(self) -> _Env:
        return _Env(dict(self.names))

    def join(self, other: _Env) -> _Env:
        joined: dict[str, Val] = {}
        for name in self.names.keys() | other.names.keys():
            a, b = self.names.get(name, TAINTED), other.names.get(name, TAINTED)
            joined[name] = _merge(a, b)
        return _Env(joined)


@dataclass
class _Analysis:
    line: int
    module_constants: Mapping[str, Val]
    imports: Mapping[str, str]  # a local name -> the dotted name it was imported as
    # Whether a method's object is data the sink uses (a path's ``read_text()``), not a
    # handle whose method is the sink (a cursor's ``execute``).
    receivers: bool = False
    document_only: bool = False
    # Names a nested function declares nonlocal or global: never constant here.
    volatile: frozenset[str] = frozenset()
    # Whether the module has an assignment expression (``:=``) anywhere: if not, no
    # statement's subtree is searched for one.
    walrus: bool = True
    seen: list[Val] = field(default_factory=list)  # the sink's arguments, each time reached
    # Each ``if`` reached, and how its test came out each time (True, False, None: unknown).
    outcomes: dict[int, tuple[ast.If, set[bool | None]]] = field(default_factory=dict)

    @property
    def dead(self) -> list[tuple[int, int]]:
        """The lines of branches that never run: every time their ``if`` was reached,
        its test folded the same way."""
        spans: list[tuple[int, int]] = []
        for node, seen in self.outcomes.values():
            if seen in ({True}, {False}):
                skipped = node.orelse if True in seen else node.body
                if skipped:
                    end = getattr(skipped[-1], "end_lineno", None) or skipped[-1].lineno
                    spans.append((skipped[0].lineno, end))
        return spans

    # --- expressions ----------------------------------------------------------------

    def value(self, node: ast.expr, env: _Env) -> Val:
        if isinstance(node, ast.Constant):
            return _const(node.value)
        if isinstance(node, ast.Name):
            found = self.peek(node, env)
            if found.items is not None or found.keys is not None:
                # A list or dict read whole may be aliased or mutated from here on
                # (``alias = lst``, ``lst.append(x)``, ``f(lst)``): stop tracking it.
                env.names[node.id] = TAINTED
                return TAINTED
            return found
        if isinstance(node, ast.JoinedStr):
            return _join(*(self.value(v, env) for v in node.values))
        if isinstance(node, ast.FormattedValue):
            return _join(self.value(node.value, env))
        if isinstance(node, ast.BinOp):
            return self._binop(node, env)
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand, env)
            if operand.known and isinstance(node.op, ast.USub) and isinstance(operand.const, int):
                return _const(-operand.const)
            if operand.known and isinstance(node.op, ast.Not):
                return _const(not operand.const)
            return _join(operand)
        if isinstance(node, ast.BoolOp):
            return _join(*(self.value(v, env) for v in node.values))
        if isinstance(node, ast.Compare):
            return self._compare(node, env)
        if isinstance(node, ast.IfExp):
            test = self.value(node.test, env)
            if test.known:
                return self.value(node.body if test.const else node.orelse, env)
            return _merge(self.value(node.body, env), self.value(node.orelse, env))
        if isinstance(node, ast.List | ast.Tuple):
            items = tuple(self.value(e, env) for e in node.elts)
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return _join(*items)
            return Val(taint=_join(*items).taint, items=items)
        if isinstance(node, ast.Set):
            return _join(*(self.value(e, env) for e in node.elts))
        if isinstance(node, ast.Dict):
            return self._dict(node, env)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, env)
        if isinstance(node, ast.Call):
            return self._call(node, env)
        if isinstance(node, ast.NamedExpr):
            result = self.value(node.value, env)
            env.names[node.target.id] = result
            return result
        if isinstance(node, ast.Await):
            return self.value(node.value, env)
        if isinstance(node, ast.Starred):
            return _join(self.value(node.value, env))
        if isinstance(node, ast.Attribute) and self._module(node.value) and node.attr[:1].isupper():
            # A module's class or constant (``yaml.SafeLoader``, ``settings.DEBUG``) is
            # code or configuration, not input.
            return CLEAN
        # Attributes, comprehensions, lambdas...: anything may come in, and whatever they
        # touch may be changed by them (``[lst.append(x) for ...]``, ``f = lst.append``).
        self._escape_all(node, env)
        return TAINTED

    def _escape_all(self, node: ast.AST, env: _Env) -> None:
        """Stop tracking every container ``node`` names: code there may alias or mutate it."""
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                known = env.names.get(child.id)
                if known is not None and (known.items is not None or known.keys is not None):
                    env.names[child.id] = TAINTED

    def _binop(self, node: ast.BinOp, env: _Env) -> Val:
        left, right = self.value(node.left, env), self.value(node.right, env)
        fold = _BINOPS.get(type(node.op))
        if fold is not None and left.known and right.known:
            try:
                result = fold(left.const, right.const)
            except (TypeError, ValueError, ZeroDivisionError, OverflowError, MemoryError):
                return _join(left, right)
            if _small(result):
                return _const(result)
        return _join(left, right)

    def _compare(self, node: ast.Compare, env: _Env) -> Val:
        values = [self.value(node.left, env), *(self.value(c, env) for c in node.comparators)]
        if len(node.ops) == 1 and all(v.known for v in values):
            compare = _COMPARE.get(type(node.ops[0]))
            if compare is not None:
                try:
                    return _const(bool(compare(values[0].const, values[1].const)))
                except TypeError:
                    pass
        return _join(*values)

    def _dict(self, node: ast.Dict, env: _Env) -> Val:
        pairs: list[tuple[object, Val]] = []
        exact = True
        for key, item in zip(node.keys, node.values, strict=True):
            value = self.value(item, env)
            key_value = self.value(key, env) if key is not None else TAINTED
            if key is None or not key_value.known:
                exact = False
            pairs.append((key_value.const if key_value.known else _NO_CONST, value))
        taint = _join(*(v for _, v in pairs)).taint
        return Val(taint=taint, keys=tuple(pairs) if exact else None)

    def peek(self, node: ast.expr, env: _Env) -> Val:
        """A value read without letting it escape: a name's tracked container, for an
        element read (``lst[1]``, ``d.get("k")``, ``x in d``)."""
        if isinstance(node, ast.Name):
            if node.id in self.volatile:
                return TAINTED  # a nested function may rebind it (nonlocal, global)
            if node.id in env.names:
                return env.names[node.id]
            found = self.module_constants.get(node.id, TAINTED)
            # Not input, but not folded either: other code may set ``module.DEBUG = True``.
            return Val(taint=found.taint, items=found.items, keys=found.keys)
        return self.value(node, env)

    def _subscript(self, node: ast.Subscript, env: _Env) -> Val:
        base = self.peek(node.value, env)
        index = self.value(node.slice, env) if not isinstance(node.slice, ast.Slice) else TAINTED
        if index.known and base.items is not None and isinstance(index.const, int):
            try:
                return base.items[index.const]
            except IndexError:
                return TAINTED
        if index.known and base.keys is not None:
            for key, value in reversed(base.keys):
                if key == index.const:
                    return value
            return TAINTED
        return _join(base)

    def _call(self, node: ast.Call, env: _Env) -> Val:
        args = [self.value(a, env) for a in node.args]
        args += [self.value(k.value, env) for k in node.keywords]
        name = _dotted(node.func)
        resolved = self._resolve(name) if name is not None else None
        if resolved in _NUMBERS:
            return CLEAN
        if resolved is not None and resolved in _SANITISERS and args:
            return Val(taint=_join(*args).taint - _SANITISERS[resolved])
        if resolved in _RESHAPE:
            return _join(*args)
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = (
                self.peek(node.func.value, env)
                if method == "get"
                else self.value(node.func.value, env)
            )
            if method == "get" and receiver.keys is not None and node.args:
                key = args[0]
                if key.known:
                    for known_key, value in reversed(receiver.keys):
                        if known_key == key.const:
                            return value
                    return args[1] if len(args) > 1 else _const(None)
                # Any key of a literal dict: one of its values, or the default.
                return _join(Val(taint=receiver.taint), *args[1:2])
            if method in _METHODS_RESHAPE:
                return _join(receiver, *args)
        return TAINTED  # a call it does not know may return anything

    def _cleaning(self, call: ast.Call) -> bool:
        name = _dotted(call.func)
        resolved = self._resolve(name) if name is not None else None
        return resolved is not None and (resolved in _NUMBERS or resolved in _SANITISERS)

    def _module(self, node: ast.expr) -> bool:
        """Whether ``node`` names an imported module (``os``, ``os.path``), not data."""
        name = _dotted(node)
        return name is not None and name.partition(".")[0] in self.imports

    def _resolve(self, name: str) -> str:
        head, _, rest = name.partition(".")
        imported = self.imports.get(head)
        if imported is None:
            return name
        return f"{imported}.{rest}" if rest else imported

    # --- statements -------------------------------------------------------------------

    def block(self, statements: Sequence[ast.stmt], env: _Env) -> _Env:
        for statement in statements:
            env = self.statement(statement, env)
        return env

    def statement(self, node: ast.stmt, env: _Env) -> _Env:
        self._reach(node, env)
        self._headers(node, env)
        if isinstance(node, ast.Assign):
            value = self.value(node.value, env)
            for target in node.targets:
                self._bind(target, value, env)
            return env
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._bind(node.target, self.value(node.value, env), env)
            return env
        if isinstance(node, ast.AugAssign):
            current = self.value(node.target, env) if isinstance(node.target, ast.Name) else TAINTED
            self._bind(node.target, _join(current, self.value(node.value, env)), env)
            return env
        if isinstance(node, ast.If):
            return self._if(node, env)
        if isinstance(node, ast.For | ast.AsyncFor):
            self._bind(node.target, _join(self.value(node.iter, env)), env)
            return self._loop(node.body, node.orelse, env)
        if isinstance(node, ast.While):
            return self._loop(node.body, node.orelse, env)
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, TAINTED, env)
            return self.block(node.body, env)
        if isinstance(node, ast.Try):
            after = self.block(node.body, env.copy())
            for handler in node.handlers:
                handled = env.copy()
                if handler.name:
                    handled.names[handler.name] = TAINTED
                after = after.join(self.block(handler.body, handled))
            after = self.block(node.orelse, after)
            return self.block(node.finalbody, after)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            # A class body runs now, a function body whenever it is called: what they
            # name may be changed behind the walk.
            self._escape_all(node, env)
            env.names[node.name] = TAINTED
            return env
        if isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                env.names[name] = TAINTED
            return env
        if isinstance(node, ast.Delete):
            for target in node.targets:
                base = target.value if isinstance(target, ast.Subscript) else target
                if isinstance(base, ast.Name):
                    env.names[base.id] = TAINTED
            return env
        if isinstance(node, ast.Expr | ast.Return | ast.Raise | ast.Assert):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.value(child, env)  # a call may mutate what it is given
            return env
        if isinstance(node, ast.Pass | ast.Break | ast.Continue | ast.Import | ast.ImportFrom):
            for name in _bound_names(ast.walk(node)):
                env.names[name] = TAINTED
            return env
        # A statement it does not model (match, try/except*, ...): all it binds is input,
        # and what it names may be changed by it.
        self._escape_all(node, env)
        for name in _bound_names(ast.walk(node)):
            env.names[name] = TAINTED
        return env

    def _headers(self, node: ast.stmt, env: _Env) -> None:
        """Before a statement is walked: a name it binds with ``:=`` anywhere is input until
        the walk binds it, and the expressions a compound statement evaluates before (or
        instead of) its body are evaluated, so what they alias or mutate is not tracked."""
        if self.walrus:
            for child in ast.walk(node):
                if isinstance(child, ast.NamedExpr):
                    env.names[child.target.id] = TAINTED
        for expr in _header_expressions(node):
            self.value(expr, env)

    def _if(self, node: ast.If, env: _Env) -> _Env:
        test = self.value(node.test, env)
        outcome = bool(test.const) if test.known else None
        self.outcomes.setdefault(id(node), (node, set()))[1].add(outcome)
        if test.known:
            return self.block(node.body if test.const else node.orelse, env)
        body_env = env.copy()
        allowed = self._allow_listed(node.test, env)
        if allowed is not None:
            body_env.names[allowed] = CLEAN  # ``if x in ALLOWED:``: x is one of constants
        return self.block(node.body, body_env).join(self.block(node.orelse, env.copy()))

    def _allow_listed(self, test: ast.expr, env: _Env) -> str | None:
        if not (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.In)
            and isinstance(test.left, ast.Name)
        ):
            return None
        container = test.comparators[0]
        if isinstance(container, ast.List | ast.Tuple | ast.Set):
            members = [self.value(e, env) for e in container.elts]
        else:
            known = self.peek(container, env)
            members = list(known.items or ()) + [v for _, v in known.keys or ()]
            if known.items is None and known.keys is None:
                return None
            if known.keys is not None:  # ``in`` a dict tests its keys
                members = [_const(k) for k, _ in known.keys]
        if members and all(m.known and not m.taint for m in members):
            return test.left.id
        return None

    def _loop(self, body: Sequence[ast.stmt], orelse: Sequence[ast.stmt], env: _Env) -> _Env:
        # Zero, one or more iterations: run the body twice from the joined state.
        once = self.block(body, env.copy())
        twice = self.block(body, env.join(once))
        after = env.join(once).join(twice)
        return self.block(orelse, after)

    def _bind(self, target: ast.expr, value: Val, env: _Env) -> None:
        if isinstance(target, ast.Name):
            env.names[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            if value.items is not None and len(value.items) == len(target.elts):
                for element, item in zip(target.elts, value.items, strict=True):
                    self._bind(element, item, env)
            else:
                for element in target.elts:
                    self._bind(element, _join(value), env)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, _join(value), env)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            container = env.names.get(target.value.id, TAINTED)
            key = (
                self.value(target.slice, env)
                if not isinstance(target.slice, ast.Slice)
                else TAINTED
            )
            if container.keys is not None and key.known:
                kept = tuple(p for p in container.keys if p[0] != key.const)
                keys = (*kept, (key.const, value))
                env.names[target.value.id] = Val(taint=container.taint | value.taint, keys=keys)
            else:
                env.names[target.value.id] = _join(container, value)
        # an attribute target: reading an attribute is tainted anyway

    def _reach(self, node: ast.stmt, env: _Env) -> None:
        """At the statement holding the sink's line, evaluate the sink's arguments."""
        start, end = node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno
        if not (start <= self.line <= end):
            return
        if isinstance(node, _COMPOUND):
            header = [getattr(node, "test", None), getattr(node, "iter", None)]
            header += [i.context_expr for i in getattr(node, "items", [])]
            for expr in header:
                if expr is not None and _covers(expr, self.line):
                    self._sink_args(expr, env)
            return  # the sink is in the body: reached when the body is walked
        self._sink_args(node, env)

    def _sink_args(self, node: ast.AST, env: _Env) -> None:
        calls = [c for c in ast.walk(node) if isinstance(c, ast.Call) and c.lineno == self.line]
        if not calls:
            calls = [c for c in ast.walk(node) if isinstance(c, ast.Call) and _covers(c, self.line)]
        # A sanitiser or a number-making call is never the sink; its raw argument is not.
        calls = [c for c in calls if not self._cleaning(c)]
        if not calls:
            # No call (``return "<p>" + name``): the value the statement computes is the data.
            expr = getattr(node, "value", None)
            judged = isinstance(node, ast.Return | ast.Assign | ast.AnnAssign | ast.Expr)
            if judged and isinstance(expr, ast.expr):
                self.seen.append(self.value(expr, env.copy()))
            else:
                self.seen.append(TAINTED)  # nothing it can judge
            return
        for call in calls:
            if self.document_only:
                values = [self.value(a, env.copy()) for a in call.args[:1]]
                values += [
                    self.value(k.value, env.copy())
                    for k in call.keywords
                    if k.arg in (None, "source", "text", "string", "file")
                ]
            else:
                values = [self.value(a, env.copy()) for a in call.args]
                values += [self.value(k.value, env.copy()) for k in call.keywords]
            if (
                self.receivers
                and isinstance(call.func, ast.Attribute)
                and not self._module(call.func.value)
            ):
                # ``(base / name).read_text()``: the object is the data.
                values.append(self.value(call.func.value, env.copy()))
            self.seen.append(_join(*values) if values else CLEAN)


def _header_expressions(node: ast.stmt) -> list[ast.expr]:
    """What a compound statement evaluates outside its body (an ``if`` test and a ``for``
    iterable are evaluated where the statement is walked)."""
    found: list[ast.expr] = []
    if isinstance(node, ast.While):
        found.append(node.test)
    elif isinstance(node, ast.With | ast.AsyncWith):
        found += [item.context_expr for item in node.items]
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        found += node.decorator_list
        found += node.args.defaults
        found += [d for d in node.args.kw_defaults if d is not None]
    elif isinstance(node, ast.ClassDef):
        found += node.decorator_list + node.bases + [k.value for k in node.keywords]
    elif isinstance(node, ast.Try):
        found += [h.type for h in node.handlers if h.type is not None]
    elif isinstance(node, ast.Match):
        found.append(node.subject)
    return found


_COMPOUND = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
)  # fmt: skip


def _covers(node: ast.AST, line: int) -> bool:
    start = getattr(node, "lineno", None)
    end = getattr(node, "end_lineno", start)
    return start is not None and end is not None and start <= line <= end


def _imports(nodes: Iterable[ast.AST]) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.partition(".")[0]
                found[local] = alias.name if alias.asname else alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _bound_names(nodes: Iterable[ast.AST]) -> list[str]:
    """Every name ``nodes`` bind, however: assignment and deletion targets, parameters,
    imports, ``except ... as``, function and class names, ``global``, match captures."""
    names: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.append(node.id)
        elif isinstance(node, ast.arg):
            names.append(node.arg)
        elif isinstance(node, ast.alias):
            names.append(node.asname or node.name.partition(".")[0])
        elif isinstance(node, ast.ExceptHandler):
            names.extend([node.name] if node.name else [])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.extend(node.names * 2)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.append(node.rest)
    return names


# Calls that can rebind a module's names behind the analysis's back.
_REBINDERS = frozenset({"globals", "vars", "setattr", "exec", "eval", "__import__"})


def _module_constants(tree: ast.Module, nodes: Sequence[ast.AST]) -> dict[str, Val]:
    """Names the module binds once, at its top level, to a literal, and never rebinds."""
    for node in nodes:
        if isinstance(node, ast.Call) and _dotted(node.func) in _REBINDERS:
            return {}
        if isinstance(node, ast.Attribute) and node.attr == "__dict__":
            return {}
    counts: dict[str, int] = {}
    for name in _bound_names(nodes):
        counts[name] = counts.get(name, 0) + 1
    constants: dict[str, Val] = {}
    probe = _Analysis(line=-1, module_constants={}, imports={})
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and counts.get(node.targets[0].id) == 1
        ):
            value = probe.value(node.value, _Env())
            if not value.taint:
                constants[node.targets[0].id] = value
    return constants


@dataclass(frozen=True)
class _Module:
    """What every finding of one file shares: its tree, constants, imports, functions."""

    tree: ast.Module
    constants: Mapping[str, Val]
    imports: Mapping[str, str]
    functions: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]
    walrus: bool  # an assignment expression (``:=``) anywhere in it
    scoped: bool  # a ``global`` or ``nonlocal`` statement anywhere in it


@functools.lru_cache(maxsize=32)
def _module(source: str) -> _Module | None:
    """The file parsed once for all its findings (None: it cannot be parsed)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    nodes = list(ast.walk(tree))  # walked once; every fact below reads this list
    functions = tuple(
        node for node in nodes if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )
    return _Module(
        tree,
        _module_constants(tree, nodes),
        _imports(nodes),
        functions,
        walrus=any(isinstance(node, ast.NamedExpr) for node in nodes),
        scoped=any(isinstance(node, ast.Global | ast.Nonlocal) for node in nodes),
    )


def _enclosing(module: _Module, line: int) -> tuple[Sequence[ast.stmt], Iterable[str]]:
    """The innermost function holding ``line`` (its body and parameters), else the module."""
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in module.functions:
        if _covers(node, line) and (best is None or node.lineno >= best.lineno):
            best = node
    if best is None:
        return module.tree.body, ()
    arguments = best.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return best.body, names


@dataclass(frozen=True, kw_only=True)
class Proof:
    """Why no untrusted value reaches the sink at ``line``."""

    line: int
    reason: str


def _analyse(
    source: str, line: int, *, receivers: bool, document_only: bool = False
) -> _Analysis | None:
    """The analysis of the function holding ``line`` (None: it cannot be parsed)."""
    module = _module(source)
    if module is None:
        return None
    body, parameters = _enclosing(module, line)
    volatile = {
        name
        for statement in (body if module.scoped else ())
        for node in ast.walk(statement)
        if isinstance(node, ast.Global | ast.Nonlocal)
        for name in node.names
    }
    analysis = _Analysis(
        line=line,
        module_constants=module.constants,
        imports=module.imports,
        receivers=receivers,
        document_only=document_only,
        volatile=frozenset(volatile),
        walrus=module.walrus,
    )
    env = _Env({name: TAINTED for name in parameters})
    try:
        analysis.block(body, env)
    except RecursionError:
        return None
    return analysis


def proven_clean(source: str, line: int, sink: Sink) -> Proof | None:
    """A proof that every value reaching the call(s) at ``line`` is safe for ``sink``, or
    None when it cannot prove it (the finding stands)."""
    analysis = _analyse(
        source,
        line,
        receivers=sink in _DATA_RECEIVERS,
        document_only=sink in _DOCUMENT_SINKS,
    )
    if analysis is None:
        return None
    if any(start <= line <= end for start, end in analysis.dead):
        return _DEAD(line)
    if not analysis.seen or any(sink in value.taint for value in analysis.seen):
        return None
    return Proof(
        line=line,
        reason="no request data or other input reaches the arguments here: every value "
        "they are built from is a constant (after folding the branch it is assigned in, "
        "picking the element it is taken from, or the value it was replaced by) or "
        f"passed a sanitiser for a {sink.value} sink",
    )


def proven_dead(source: str, line: int) -> Proof | None:
    """A proof that ``line`` never runs: it is in a branch of an ``if`` whose condition
    folds to a constant (any rule's finding there describes code that cannot execute)."""
    analysis = _analyse(source, line, receivers=False)
    if analysis is None or not any(start <= line <= end for start, end in analysis.dead):
        return None
    return _DEAD(line)


def _DEAD(line: int) -> Proof:
    return Proof(
        line=line,
        reason="this line is in a branch that never runs: the condition of its `if` "
        "folds to a constant",
    )
