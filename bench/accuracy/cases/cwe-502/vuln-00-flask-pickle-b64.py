# accuracy: cwe=502 label=vulnerable trick=none framework=flask
import base64
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.route("/restore-state", methods=["GET"])
def restore_state():
    param = request.args.get("state", "")
    bar = param
    state = pickle.loads(base64.b64decode(bar))
    return "done"
