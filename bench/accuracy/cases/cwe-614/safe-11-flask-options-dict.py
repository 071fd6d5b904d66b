# accuracy: cwe=614 label=safe trick=flag-constants framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)

COOKIE_OPTIONS = {"secure": True, "httponly": True, "samesite": "Strict"}


@app.route("/remember", methods=["POST"])
def remember():
    response = make_response("ok")
    response.set_cookie("remember_me", request.form.get("user", ""), **COOKIE_OPTIONS)
    return response
