# accuracy: cwe=918 label=safe trick=dict-lookup framework=flask
from flask import Flask, request
import requests

app = Flask(__name__)


@app.route("/check-status", methods=["GET"])
def check_status():
    param = request.cookies.get("url", "")
    options = {"fixed": "https://status.example.com/health", "user": param}
    bar = options["fixed"]
    reply = requests.get(bar, timeout=5)
    return "done"
