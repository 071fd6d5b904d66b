# accuracy: cwe=330 label=safe trick=secrets-module framework=flask
import secrets

from flask import Flask, request

app = Flask(__name__)


@app.route("/reset", methods=["POST"])
def reset_password():
    email = request.form.get("email", "")
    token = secrets.token_urlsafe(32)
    return {"email": email, "reset_token": token}
