"""Reporters: pure functions from a ``Decision`` to text.

They never write files or read the environment; the CLI decides where the
text goes (``--json``, ``--sarif``, ``--summary``, ``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

from releasegate.reports.json_report import render_json, report_dict, report_schema
from releasegate.reports.markdown import LinkBase, render_markdown
from releasegate.reports.sarif import render_sarif, sarif_dict
from releasegate.reports.terminal import render_terminal

__all__ = [
    "LinkBase",
    "render_json",
    "render_markdown",
    "render_sarif",
    "render_terminal",
    "report_dict",
    "report_schema",
    "sarif_dict",
]
