# accuracy: cwe=79 label=safe trick=text-plain framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/raw")
def raw():
    body = request.args.get("body", "")
    response = make_response(body, 200)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
