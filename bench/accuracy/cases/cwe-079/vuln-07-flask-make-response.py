# accuracy: cwe=79 label=vulnerable trick=none framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/error")
def error_page():
    reason = request.args.get("reason", "unknown")
    return make_response("<h2>Error: " + reason + "</h2>", 400)
