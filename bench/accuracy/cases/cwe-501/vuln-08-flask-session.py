# accuracy: cwe=501 label=vulnerable trick=constant-branch framework=flask
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/remember-role", methods=["GET"])
def remember_role():
    param = request.values.get("role", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "viewer"
    session["role"] = bar
    return "done"
