# accuracy: cwe=79 label=vulnerable trick=str-wrap framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/profile")
def profile():
    bar = str(request.headers.get("X-Display-Name", ""))
    return "<span class='user'>{}</span>".format(bar)
