# accuracy: cwe=501 label=vulnerable trick=none framework=flask
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/choose-role", methods=["GET"])
def choose_role():
    param = request.args.get("role", "")
    bar = param
    session["role"] = bar
    return "done"
