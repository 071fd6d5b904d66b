# accuracy: cwe=78 label=vulnerable trick=none framework=flask
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping-host", methods=["GET"])
def ping_host():
    param = request.args.get("host", "")
    bar = param
    os.system(f"ping -c 1 {bar}")
    return "done"
