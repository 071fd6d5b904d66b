# accuracy: cwe=330 label=vulnerable trick=constant-branch framework=flask
import random
import secrets

from flask import Flask, request

app = Flask(__name__)


@app.route("/token", methods=["POST"])
def token():
    user = request.form.get("user", "")
    num = 86
    if 7 * 42 - num > 200:
        auth_token = str(random.getrandbits(64))
    else:
        auth_token = secrets.token_hex(16)
    return {"user": user, "token": auth_token}
