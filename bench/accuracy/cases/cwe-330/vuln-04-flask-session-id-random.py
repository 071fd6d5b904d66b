# accuracy: cwe=330 label=vulnerable trick=none framework=flask
import random

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    user = request.form.get("user", "")
    session_id = str(random.random())[2:]
    response = make_response(f"hello {len(user)}")
    response.set_cookie("sid", session_id, secure=True, httponly=True)
    return response
