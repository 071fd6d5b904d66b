# accuracy: cwe=327 label=safe trick=slow-salted-hash framework=flask
import hashlib
import os

from flask import Flask, request

app = Flask(__name__)
USERS: dict[str, tuple[bytes, bytes]] = {}


@app.route("/register", methods=["POST"])
def register():
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    salt = os.urandom(16)
    USERS[username] = (salt, hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000))
    return "registered"
