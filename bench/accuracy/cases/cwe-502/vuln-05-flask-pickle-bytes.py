# accuracy: cwe=502 label=vulnerable trick=none framework=flask
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.route("/restore-cart", methods=["GET"])
def restore_cart():
    param = request.headers.get("X-State", "")
    bar = param
    cart = pickle.loads(bar.encode("latin-1"))
    return "done"
