# accuracy: cwe=352 label=vulnerable trick=no-csrf-protect framework=flask
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/settings", methods=["POST"])
def save_settings():
    session["newsletter"] = request.form.get("newsletter") == "on"
    return "saved"
