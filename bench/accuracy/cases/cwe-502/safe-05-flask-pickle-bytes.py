# accuracy: cwe=502 label=safe trick=safe-format framework=flask
import json

from flask import Flask, request

app = Flask(__name__)


@app.route("/restore-cart", methods=["GET"])
def restore_cart():
    param = request.headers.get("X-State", "")
    bar = param
    cart = json.loads(bar)
    return "done"
