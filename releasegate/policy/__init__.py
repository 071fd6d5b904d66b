"""The policy, ``.releasegate.yml`` version 1, by job:

- ``fields``: the file name, limits and the validators every section shares;
- ``schema``: the sections and the ``Policy`` model;
- ``quality_stages``: the ``stages:`` section (functional, performance, stability, custom);
- ``loader``: strict YAML, errors naming key and line, the embedded default, the JSON Schema.
"""
