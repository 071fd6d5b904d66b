# accuracy: cwe=601 label=safe trick=allow-list framework=flask
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/goto", methods=["GET"])
def goto():
    param = request.headers.get("X-Next", "")
    bar = param if param in {"/dashboard", "/profile"} else "/"
    return redirect(bar)
