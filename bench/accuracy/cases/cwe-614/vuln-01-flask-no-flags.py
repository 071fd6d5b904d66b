# accuracy: cwe=614 label=vulnerable trick=none framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    token = request.form.get("token", "")
    response = make_response("logged in")
    response.set_cookie("session_token", token)
    return response
