# accuracy: cwe=79 label=safe trick=collection-pick framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/badge")
def badge():
    param = request.args.get("badge", "")
    choices = [param, "member"]
    bar = choices[1]
    return "<span class='badge'>" + bar + "</span>"
