"""Checks: each collects evidence for one stage and returns a ``CheckResult``.

A check is a module-level object satisfying ``Check``, listed in ``REGISTRY``.
A check never decides the release; ``decide()`` does.
"""

from __future__ import annotations

from releasegate.checkapi import Check, CheckContext
from releasegate.checks.registry import REGISTRY, checks_for_stage

__all__ = ["REGISTRY", "Check", "CheckContext", "checks_for_stage"]
