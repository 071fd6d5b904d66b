"""Dependency files of the head tree, read with the packaging ecosystem's own parsers.

One module a format, each implementing ``base.DependencySource`` (which paths it
reads, how a file's text becomes pins, ranges, unauditable entries and problems),
listed once in ``formats.SOURCES``:

- ``requirements_txt``: ``requirements*.txt``, ``-r``/``-c`` includes, pip options;
- ``pyproject_toml``: PEP 621 ``[project]`` dependencies, and the lock files that
  cover them;
- ``uv_lock``, ``poetry_lock``, ``pipfile_lock``, ``pylock_toml``: lock files, their
  entries read by the one loop of ``lock_entries``.

What they share: ``head_tree`` (the head commit's files, bounded and UTF-8; TOML),
``classify`` (one requirement string: pin, range or unauditable) and ``collector``
(``collect``: every file in scope read once and merged into an ``Inventory``).
``kind_of`` (``formats``) tells a dependency file by its name.
"""
