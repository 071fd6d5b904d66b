"""Every module of the package imports on its own, first: an import cycle that only bites
in one import order (it did: review.summary <-> reports) fails here, not by chance in
whatever order a test run happens to import things."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import releasegate

_SCRIPT = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "releasegate" or m.startswith("releasegate.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_first_and_alone() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(releasegate.__path__, "releasegate.")
        if m.name != "releasegate.__main__"  # runs the CLI
    ]
    assert len(modules) > 80
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *modules], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
