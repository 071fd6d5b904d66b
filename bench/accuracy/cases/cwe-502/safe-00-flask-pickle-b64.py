# accuracy: cwe=502 label=safe trick=safe-format framework=flask
import base64
import json

from flask import Flask, request

app = Flask(__name__)


@app.route("/restore-state", methods=["GET"])
def restore_state():
    param = request.args.get("state", "")
    bar = param
    state = json.loads(base64.b64decode(bar))
    return "done"
