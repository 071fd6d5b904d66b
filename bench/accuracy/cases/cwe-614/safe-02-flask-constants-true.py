# accuracy: cwe=614 label=safe trick=flag-constants framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)

COOKIE_SECURE = True
COOKIE_HTTPONLY = True


@app.route("/session", methods=["POST"])
def start_session():
    value = request.form.get("session", "")
    response = make_response("started")
    response.set_cookie("session", value, secure=COOKIE_SECURE, httponly=COOKIE_HTTPONLY)
    return response
