# accuracy: cwe=327 label=vulnerable trick=none framework=flask
import hashlib

from flask import Flask, request

app = Flask(__name__)
USERS: dict[str, str] = {}


@app.route("/register", methods=["POST"])
def register():
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    USERS[username] = hashlib.md5(password.encode()).hexdigest()
    return "registered"
