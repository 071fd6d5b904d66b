# accuracy: cwe=601 label=vulnerable trick=none framework=flask
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/goto", methods=["GET"])
def goto():
    param = request.headers.get("X-Next", "")
    bar = param
    return redirect(bar)
