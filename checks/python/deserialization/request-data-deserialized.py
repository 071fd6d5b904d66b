# Test cases for releasegate.python.deserialization.request-data-deserialized
import base64
import json
import pickle
import socket

import yaml
from django.http import HttpRequest, JsonResponse
from flask import Flask, request

app = Flask(__name__)


@app.route("/restore", methods=["POST"])
def restore():
    state = base64.b64decode(request.form["state"])
    # ruleid: releasegate.python.deserialization.request-data-deserialized
    obj = pickle.loads(state)
    # ok: releasegate.python.deserialization.request-data-deserialized
    obj = json.loads(state)
    return str(obj)


@app.route("/import", methods=["POST"])
def import_config():
    # ruleid: releasegate.python.deserialization.request-data-deserialized
    cfg = yaml.load(request.data, Loader=yaml.Loader)
    # ok: releasegate.python.deserialization.request-data-deserialized
    cfg = yaml.safe_load(request.data)
    return str(cfg)


def django_import(request: HttpRequest) -> JsonResponse:
    # ruleid: releasegate.python.deserialization.request-data-deserialized
    data = yaml.unsafe_load(request.body)
    # ok: releasegate.python.deserialization.request-data-deserialized
    data = json.loads(request.body)
    return JsonResponse(data)


def server(sock: socket.socket) -> object:
    msg = sock.recv(4096)
    # ruleid: releasegate.python.deserialization.request-data-deserialized
    return pickle.loads(msg)


def local_cache() -> object:
    with open("/var/cache/app/state.pkl", "rb") as fh:
        # ok: releasegate.python.deserialization.request-data-deserialized
        return pickle.load(fh)
