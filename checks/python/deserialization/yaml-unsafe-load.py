# Test cases for releasegate.python.deserialization.yaml-unsafe-load
import yaml
from yaml import SafeLoader


def read_config(text: str) -> object:
    # ruleid: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.load(text)
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.safe_load(text)
    # ruleid: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.load(text, Loader=yaml.Loader)
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.load(text, Loader=yaml.SafeLoader)
    # ruleid: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.load(text, Loader=yaml.FullLoader)
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.load(text, Loader=SafeLoader)
    # ruleid: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.unsafe_load(text)
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.load(text, yaml.CSafeLoader)
    # ruleid: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.full_load(text)
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    cfg = yaml.safe_load_all(text)
    # ruleid: releasegate.python.deserialization.yaml-unsafe-load
    cfg = list(yaml.load_all(text, Loader=yaml.UnsafeLoader))
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    cfg = list(yaml.load_all(text, Loader=yaml.BaseLoader))
    return cfg


def write_config(cfg: object) -> str:
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    return yaml.safe_dump(cfg)


class StrictLoader(yaml.SafeLoader):
    """Refuses duplicate keys."""


class ObjectLoader(yaml.FullLoader):
    """Adds a !path tag."""


def read_strict(text: str) -> object:
    # ok: releasegate.python.deserialization.yaml-unsafe-load
    return yaml.load(text, Loader=StrictLoader)


def read_objects(text: str) -> object:
    # ruleid: releasegate.python.deserialization.yaml-unsafe-load
    return yaml.load(text, Loader=ObjectLoader)
