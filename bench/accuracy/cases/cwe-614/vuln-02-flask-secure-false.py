# accuracy: cwe=614 label=vulnerable trick=none framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/remember", methods=["POST"])
def remember():
    user = request.form.get("user", "")
    response = make_response("ok")
    response.set_cookie("remember_me", user, secure=False, httponly=True, samesite="Lax")
    return response
