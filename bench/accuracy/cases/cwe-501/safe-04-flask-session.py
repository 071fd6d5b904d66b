# accuracy: cwe=501 label=safe trick=replaced-before-use framework=flask
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/apply-role", methods=["GET"])
def apply_role():
    param = request.cookies.get("role", "")
    bar = param
    bar = "viewer"
    session["role"] = bar
    return "done"
