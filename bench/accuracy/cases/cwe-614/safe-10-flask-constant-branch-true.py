# accuracy: cwe=614 label=safe trick=constant-branch framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/sso", methods=["POST"])
def sso():
    num = 86
    if 7 * 42 - num > 200:
        secure_flag = True
    else:
        secure_flag = False
    response = make_response("signed on")
    response.set_cookie("sso", request.form.get("ticket", ""), secure=secure_flag, httponly=True)
    return response
