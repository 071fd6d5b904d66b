# accuracy: cwe=501 label=safe trick=allow-list framework=flask
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/choose-role", methods=["GET"])
def choose_role():
    param = request.args.get("role", "")
    bar = param if param in {"viewer", "editor"} else "viewer"
    session["role"] = bar
    return "done"
