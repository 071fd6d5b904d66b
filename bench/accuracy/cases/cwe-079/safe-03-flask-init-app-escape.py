# accuracy: cwe=79 label=safe trick=html-escape framework=flask
import html

from flask import request


def init(app):
    @app.route("/greet", methods=["GET"])
    def greet():
        who = html.escape(request.args.get("who", ""))
        return "<p>Welcome back, " + who + "</p>"
