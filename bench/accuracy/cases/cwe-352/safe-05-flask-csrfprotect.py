# accuracy: cwe=352 label=safe trick=csrf-enabled framework=flask
from flask import Flask, request, session
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
CSRFProtect(app)


@app.route("/settings", methods=["POST"])
def save_settings():
    session["newsletter"] = request.form.get("newsletter") == "on"
    return "saved"
