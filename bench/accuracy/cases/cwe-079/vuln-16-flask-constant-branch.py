# accuracy: cwe=79 label=vulnerable trick=constant-branch framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/status")
def status():
    param = request.args.get("label", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "ok"
    return f"<p>Status: {bar}</p>"
