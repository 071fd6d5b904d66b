# accuracy: cwe=501 label=vulnerable trick=replaced-before-use framework=flask
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/apply-role", methods=["GET"])
def apply_role():
    param = request.cookies.get("role", "")
    bar = "viewer"
    bar = param
    session["role"] = bar
    return "done"
