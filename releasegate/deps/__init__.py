"""The dependency stage's machinery: what a project depends on, and what is known about it.

Three plug-in points, each a small interface with its own error type (the shape
of pip-audit's ``DependencySource`` / ``VulnerabilityService``):

- ``releasegate.deps.sources``: dependency files of the head tree read into an
  ``Inventory`` (pins, unpinned requirements, unauditable entries, problems);
  one ``DependencySource`` a file format (``sources/base.py``), listed in
  ``sources/formats.py``; ``SourceError`` for a file that cannot be read.
- ``releasegate.deps.osv``: a local OSV advisory directory, loaded once per
  process and indexed by package; ``AdvisoryDBError``.
- ``releasegate.deps.online``: pip-audit against a vulnerability service;
  ``ServiceError`` / ``ServiceUnreachable``.

``releasegate.checks.dependencies`` puts them together into the check.
"""
