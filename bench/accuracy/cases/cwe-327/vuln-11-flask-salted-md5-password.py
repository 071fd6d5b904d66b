# accuracy: cwe=327 label=vulnerable trick=salted-md5 framework=flask
import hashlib
import os

from flask import Flask, request

app = Flask(__name__)
CREDENTIALS: dict[str, tuple[bytes, str]] = {}


@app.route("/signup", methods=["POST"])
def signup():
    password = request.form.get("password", "")
    salt = os.urandom(8)
    CREDENTIALS[request.form.get("user", "")] = (
        salt,
        hashlib.md5(salt + password.encode()).hexdigest(),
    )
    return "ok"
