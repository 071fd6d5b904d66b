# accuracy: cwe=78 label=safe trick=shlex-quote framework=flask
import os
import shlex

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping-host", methods=["GET"])
def ping_host():
    param = request.args.get("host", "")
    bar = shlex.quote(param)
    os.system(f"ping -c 1 {bar}")
    return "done"
