# Test cases for releasegate.python.deserialization.pickle-family-deserialization
import json
import marshal
import pickle
import shelve

import dill
import pandas as pd


def load_session(blob: bytes) -> object:
    # ruleid: releasegate.python.deserialization.pickle-family-deserialization
    return pickle.loads(blob)


def load_session_json(blob: bytes) -> object:
    # ok: releasegate.python.deserialization.pickle-family-deserialization
    return json.loads(blob)


def save_session(obj: object) -> bytes:
    # ok: releasegate.python.deserialization.pickle-family-deserialization
    return pickle.dumps(obj)


def load_model(path: str) -> object:
    with open(path, "rb") as fh:
        # ruleid: releasegate.python.deserialization.pickle-family-deserialization
        return dill.load(fh)


def load_code(data: bytes) -> object:
    # ruleid: releasegate.python.deserialization.pickle-family-deserialization
    return marshal.loads(data)


def dump_code(code: object) -> bytes:
    # ok: releasegate.python.deserialization.pickle-family-deserialization
    return marshal.dumps(code)


def cache(path: str) -> None:
    # ruleid: releasegate.python.deserialization.pickle-family-deserialization
    with shelve.open(path) as db:
        db["k"] = 1


def frame(path: str) -> pd.DataFrame:
    # ruleid: releasegate.python.deserialization.pickle-family-deserialization
    return pd.read_pickle(path)


def frame_parquet(path: str) -> pd.DataFrame:
    # ok: releasegate.python.deserialization.pickle-family-deserialization
    return pd.read_parquet(path)


def config(path: str) -> object:
    with open(path) as fh:
        # ok: releasegate.python.deserialization.pickle-family-deserialization
        return json.load(fh)
