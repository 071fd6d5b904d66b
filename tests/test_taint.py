"""The reachability pre-pass: it proves a sink clean only when no input can reach it.

Each safe shape below is proven clean; each vulnerable twin, and every shape the pass
does not understand, is not (the finding stands). The second half is the attacker's
list: ways to smuggle input past a naive constant propagation.
"""

from __future__ import annotations

import textwrap

import pytest

from releasegate.taint import Sink, proven_clean, proven_dead


def _clean(body: str, sink: Sink = Sink.SHELL, *, header: str = "") -> bool:
    """Whether the last line of ``body`` (inside a handler taking ``request``) is clean."""
    source = header + "def handler(request):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    line = len(source.rstrip("\n").splitlines())
    return proven_clean(source, line, sink) is not None


PARAM = 'param = request.args.get("q", "")\n'


@pytest.mark.parametrize(
    ("body", "sink"),
    [
        # A branch whose condition folds to a constant.
        (
            PARAM + 'num = 86\nif 7 * 42 - num > 200:\n    bar = "x"\nelse:\n    bar = param\n'
            'os.system("echo " + bar)\n',
            Sink.SHELL,
        ),
        # The safe element of a list, a tuple, a dict (subscript and .get).
        (PARAM + 'lst = [param, "safe"]\nbar = lst[1]\nos.system(f"echo {bar}")\n', Sink.SHELL),
        (PARAM + 'a, b = (param, "safe")\nos.system("echo " + b)\n', Sink.SHELL),
        (PARAM + 'd = {"k": param, "s": "safe"}\nbar = d["s"]\ncur.execute("x" + bar)\n', Sink.SQL),
        (PARAM + 'd = {"k": param}\nd["s"] = "ok"\ncur.execute("x" + d.get("s"))\n', Sink.SQL),
        # Any key of a literal dict of constants, with a constant default: a mapping.
        (
            PARAM + 'bar = {"v": "viewer", "e": "editor"}.get(param, "viewer")\n'
            'session["role"] = bar\n',
            Sink.SESSION,
        ),
        (
            PARAM
            + 'roles = {"v": "viewer"}\nbar = roles.get(param, "x")\nos.system("run " + bar)\n',
            Sink.SHELL,
        ),
        # An XML document that is a constant, whatever the parser (the rule judged it).
        (
            PARAM + 'p = etree.XMLParser(resolve_entities=param)\nbar = ["<x/>", param][0]\n'
            "etree.fromstring(bar.encode(), p)\n",
            Sink.XML,
        ),
        (PARAM + 'bar = param\nbar = "<x/>"\nreader.parse(io.StringIO(bar))\n', Sink.XML),
        # Replaced before use.
        (PARAM + 'bar = param\nbar = "fixed"\ncur.execute(f"SELECT {bar}")\n', Sink.SQL),
        # Sanitisers for the sink.
        (PARAM + 'os.system("ls " + shlex.quote(param))\n', Sink.SHELL),
        (PARAM + 'cur.execute("SELECT %d" % int(param))\n', Sink.SQL),
        (PARAM + 'return "<p>" + html.escape(param) + "</p>"\n', Sink.HTML),
        (PARAM + 'return "<p>" + str(len(param)) + "</p>"\n', Sink.HTML),
        # An allow-list.
        (PARAM + 'if param in ("a", "b"):\n    os.system("run " + param)\n', Sink.SHELL),
        # Module constants.
        ('os.system("ls " + BASE)\n', Sink.SHELL),
        # A module's class as a keyword (the loader), a constant document.
        ('yaml.load("a: 1", Loader=yaml.Loader)\n', Sink.DESERIALIZE),
        # SQLAlchemy's text() over constants.
        (PARAM + 'bar = param\nbar = "x"\nconn.execute(text(f"SELECT {bar}"))\n', Sink.SQL),
        # A path built from modules and constants.
        (PARAM + 'values = [param, "x.txt"]\nos.remove("/srv/" + values[1])\n', Sink.PATH),
    ],
)
def test_safe_shapes_are_proven_clean(body: str, sink: Sink) -> None:
    header = (
        "import html, io, os, shlex, yaml\nfrom lxml import etree\nfrom sqlalchemy import text\n"
        'BASE = "/srv"\n\n\n'
    )
    assert _clean(body, sink, header=header), body


@pytest.mark.parametrize(
    ("body", "sink"),
    [
        # The vulnerable twins.
        (
            PARAM + 'num = 86\nif 7 * 42 - num > 200:\n    bar = param\nelse:\n    bar = "x"\n'
            'os.system("echo " + bar)\n',
            Sink.SHELL,
        ),
        (PARAM + 'lst = [param, "safe"]\nbar = lst[0]\nos.system(f"echo {bar}")\n', Sink.SHELL),
        (PARAM + 'd = {"k": param, "s": "safe"}\ncur.execute("x" + d["k"])\n', Sink.SQL),
        (PARAM + 'bar = "fixed"\nbar = param\ncur.execute(f"SELECT {bar}")\n', Sink.SQL),
        # A mapping whose default or one of whose values is input.
        (PARAM + 'bar = {"v": "viewer"}.get(param, param)\nsession["role"] = bar\n', Sink.SESSION),
        (
            PARAM + 'm = {"v": param}\nos.system("run " + m.get(request.args["k"], "x"))\n',
            Sink.SHELL,
        ),
        (PARAM + 'm = {"v": "x"}\nm[param] = param\nos.system(m.get(param, "x"))\n', Sink.SHELL),
        # An XML document from input, however it is handed over.
        (PARAM + "etree.fromstring(param.encode(), parser)\n", Sink.XML),
        (PARAM + "etree.fromstring(text=param, parser=parser)\n", Sink.XML),
        (PARAM + 'etree.fromstring(**{"text": param})\n', Sink.XML),
        (PARAM + "etree.fromstring(*[param])\n", Sink.XML),
        (PARAM + "reader.parse(io.BytesIO(param.encode()))\n", Sink.XML),
        # A sanitiser for another sink.
        (PARAM + 'cur.execute("SELECT " + shlex.quote(param))\n', Sink.SQL),
        (PARAM + 'os.system("ls " + html.escape(param))\n', Sink.SHELL),
        # A branch that does not fold joins both.
        (
            PARAM + 'if request.method == "GET":\n    bar = "x"\nelse:\n    bar = param\n'
            "os.system(bar)\n",
            Sink.SHELL,
        ),
        # Loops, accumulation, closures and unknown calls stay tainted.
        (
            PARAM + 'out = ""\nfor part in param.split(","):\n    out += part\nos.system(out)\n',
            Sink.SHELL,
        ),
        (PARAM + 'RESPONSE = ""\nRESPONSE += f"<p>{param}</p>"\nreturn RESPONSE\n', Sink.HTML),
        (PARAM + 'bar = helper(param)\nos.system("ls " + bar)\n', Sink.SHELL),
        (PARAM + 'bar = helper()\nos.system("ls " + bar)\n', Sink.SHELL),
        ('os.system("ls " + request.args["q"])\n', Sink.SHELL),
        # A mutated list: element tracking does not see .append / index assignment of aliases.
        (PARAM + 'lst = ["safe"]\nalias = lst\nalias[0] = param\nos.system(lst[0])\n', Sink.SHELL),
        # The path is the object of the call.
        (PARAM + "(Path('/srv') / param).read_text()\n", Sink.PATH),
        (PARAM + "p = Path('/srv') / param\np.read_text()\n", Sink.PATH),
        # A global the function rebinds, or a module name bound twice.
        ('global BASE\nBASE = request.args["q"]\nos.system(BASE)\n', Sink.SHELL),
        ('os.system("ls " + TWICE)\n', Sink.SHELL),
        # Comprehensions, lambdas, starred unpacking, walrus from input.
        (PARAM + 'bar = [c for c in "ab"][0]\nos.system(bar)\n', Sink.SHELL),
        (PARAM + 'a, *rest = [param, "x"]\nos.system(rest[0] + a)\n', Sink.SHELL),
        (PARAM + "if (bar := param):\n    pass\nos.system(bar)\n", Sink.SHELL),
        # Mutation by a method, a deletion, a statement it does not model.
        (PARAM + 'lst = ["safe"]\nlst.insert(0, param)\nos.system(lst[0])\n', Sink.SHELL),
        (PARAM + 'd = {"s": "ok"}\ndel d["s"]\nos.system(d.get("s", param))\n', Sink.SHELL),
        (
            PARAM
            + 'bar = "x"\nmatch param:\n    case str() as bar:\n        pass\nos.system(bar)\n',
            Sink.SHELL,
        ),
        # A module's lower-case attribute is data (the environment, argv).
        ('os.system(os.environ["CMD"])\n', Sink.SHELL),
        (PARAM + 'conn.execute(text(f"SELECT {param}"))\n', Sink.SQL),
        ("yaml.load(request.data, Loader=yaml.Loader)\n", Sink.DESERIALIZE),
        # A walrus in a condition, a loop test, a with item or a default rebinds a
        # constant; code that runs later (a closure, a class body, a comprehension, a
        # bound method, a condition) may mutate a tracked list.
        (PARAM + 'bar = "x"\nif (bar := param):\n    pass\nos.system(bar)\n', Sink.SHELL),
        (PARAM + 'bar = "x"\nwhile (bar := param):\n    break\nos.system(bar)\n', Sink.SHELL),
        (PARAM + 'bar = "x"\nwith open(bar := param):\n    pass\nos.system(bar)\n', Sink.SHELL),
        (PARAM + 'bar = "x"\ndef g(v=(bar := param)):\n    pass\nos.system(bar)\n', Sink.SHELL),
        (
            PARAM + 'lst = ["safe"]\ndef g():\n    lst.append(param)\ng()\nos.system(lst[-1])\n',
            Sink.SHELL,
        ),
        (
            PARAM + 'lst = ["safe"]\nclass C:\n    lst.insert(0, param)\nos.system(lst[0])\n',
            Sink.SHELL,
        ),
        (
            PARAM + 'lst = ["safe"]\n[lst.insert(0, param) for _ in "a"]\nos.system(lst[0])\n',
            Sink.SHELL,
        ),
        (
            PARAM + 'lst = ["safe"]\nput = lst.insert\nput(0, param)\nos.system(lst[0])\n',
            Sink.SHELL,
        ),
        (
            PARAM + 'lst = ["safe"]\nif mutate(lst, param):\n    pass\nos.system(lst[0])\n',
            Sink.SHELL,
        ),
        # An allow-list that is not made of constants.
        (PARAM + 'if param in ALLOWED_USERS:\n    os.system("run " + param)\n', Sink.SHELL),
        # A try block whose handler rebinds.
        (
            PARAM
            + 'bar = "x"\ntry:\n    pass\nexcept Exception:\n    bar = param\nos.system(bar)\n',
            Sink.SHELL,
        ),
    ],
)
def test_input_that_may_reach_the_sink_is_never_proven_clean(body: str, sink: Sink) -> None:
    header = (
        "import html, io, os, shlex, yaml\nfrom lxml import etree\nfrom pathlib import Path\n"
        "from sqlalchemy import text\n"
        'BASE = "/srv"\nTWICE = "a"\nTWICE = input()\nALLOWED_USERS = load()\n\n\n'
    )
    assert not _clean(body, sink, header=header), body


def test_a_name_bound_anywhere_else_is_not_a_module_constant() -> None:
    # An outer function's parameter shares the constant's name: the closure reads it.
    source = (
        'BASE = "/srv"\n\n\ndef outer(BASE):\n    def inner():\n'
        '        os.system("ls " + BASE)\n    return inner\n'
    )
    assert proven_clean(source, 6, Sink.SHELL) is None


def test_a_module_that_can_rebind_its_names_has_no_constants() -> None:
    source = (
        'BASE = "/srv"\n\n\ndef poison(v):\n    globals()["BASE"] = v\n\n\n'
        'def handler(request):\n    os.system("ls " + BASE)\n'
    )
    assert proven_clean(source, 9, Sink.SHELL) is None


def test_parameters_are_input_and_unparsable_files_are_not_judged() -> None:
    assert proven_clean("def f(x):\n    os.system(x)\n", 2, Sink.SHELL) is None
    assert proven_clean("def f(:\n", 1, Sink.SHELL) is None
    assert proven_clean("x = 1\n", 99, Sink.SHELL) is None  # no statement at that line


def test_a_nested_handler_judges_its_own_parameters() -> None:
    source = (
        "def init(app):\n"
        "    @app.route('/x')\n"
        "    def view(name):\n"
        "        return '<p>' + name + '</p>'\n"
    )
    assert proven_clean(source, 4, Sink.HTML) is None


def test_huge_folded_constants_are_not_built() -> None:
    # 'a' * 10**9 would be a gigabyte: it is not folded (and so not a known constant).
    source = 'def f(request):\n    bar = "a" * 10**9\n    os.system(bar)\n'
    assert proven_clean(source, 3, Sink.SHELL) is not None  # still clean: no input


def test_a_branch_that_never_runs_is_proven_dead_whatever_the_rule() -> None:
    source = (
        "import random\n\n\ndef token(request):\n    num = 86\n"
        "    if 7 * 42 - num > 200:\n        value = 'fixed'\n    else:\n"
        "        value = str(random.getrandbits(64))\n    return value\n"
    )
    proof = proven_dead(source, 9)
    assert proof is not None and "never runs" in proof.reason
    assert proven_dead(source, 7) is None  # the branch that runs


@pytest.mark.parametrize(
    "source",
    [
        # The test depends on input.
        "def f(request):\n    if request.x:\n        pass\n    else:\n        os.system('x')\n",
        # A loop changes the name between visits of the same if.
        "def f(request):\n    n = 1\n    for _ in request.items:\n        if n > 0:\n"
        "            pass\n        else:\n            os.system('x')\n        n = -1\n",
        # A module constant may be set by other code (module.DEBUG = True).
        "DEBUG = False\n\n\ndef f(request):\n    if DEBUG:\n        os.system('x')\n"
        "    else:\n        pass\n",
        # A nested function rebinds it.
        "def f(request):\n    n = 1\n    def g():\n        nonlocal n\n        n = -1\n"
        "    g()\n    if n > 0:\n        pass\n    else:\n        os.system('x')\n",
    ],
)
def test_a_branch_that_may_run_is_not_dead(source: str) -> None:
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "os.system" in text)
    assert proven_dead(source, line) is None, source
