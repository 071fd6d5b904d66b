# accuracy: cwe=601 label=safe trick=allow-list framework=flask
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/login-done", methods=["GET"])
def login_done():
    param = request.args.get("next", "")
    bar = param if param in {"/dashboard", "/profile"} else "/"
    return redirect(bar)
