# accuracy: cwe=330 label=safe trick=non-secret-use framework=flask
import random

from flask import Flask, request

app = Flask(__name__)

TIPS = ["Use keyboard shortcuts", "Pin your favourite boards", "Try dark mode"]


@app.route("/tips")
def tips():
    count = int(request.args.get("count", "2"))
    shown = TIPS[:]
    random.shuffle(shown)
    return {"tips": shown[:count]}
