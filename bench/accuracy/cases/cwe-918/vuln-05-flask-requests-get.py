# accuracy: cwe=918 label=vulnerable trick=none framework=flask
from flask import Flask, request
import requests

app = Flask(__name__)


@app.route("/check-status", methods=["GET"])
def check_status():
    param = request.headers.get("X-Url", "")
    bar = param
    reply = requests.get(bar, timeout=5)
    return "done"
