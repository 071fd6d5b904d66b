# accuracy: cwe=79 label=vulnerable trick=routes-in-function framework=flask
from flask import request


def init(app):
    @app.route("/greet", methods=["GET"])
    def greet():
        who = request.args.get("who", "")
        return "<p>Welcome back, " + who + "</p>"
