# accuracy: cwe=330 label=safe trick=os-urandom framework=flask
import os

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    user = request.form.get("user", "")
    session_id = os.urandom(16).hex()
    response = make_response(f"hello {len(user)}")
    response.set_cookie("sid", session_id, secure=True, httponly=True)
    return response
