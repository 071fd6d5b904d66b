# accuracy: cwe=918 label=safe trick=allow-list framework=flask
from flask import Flask, request
import requests

app = Flask(__name__)


@app.route("/check-status", methods=["GET"])
def check_status():
    param = request.headers.get("X-Url", "")
    bar = (
        param
        if param in {"https://status.example.com/health"}
        else "https://status.example.com/health"
    )
    reply = requests.get(bar, timeout=5)
    return "done"
