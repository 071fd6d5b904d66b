# accuracy: cwe=79 label=vulnerable trick=encode-decode-roundtrip framework=flask
import base64

from flask import Flask, request

app = Flask(__name__)


@app.route("/echo", methods=["POST"])
def echo():
    param = request.form.get("msg", "")
    bar = base64.b64decode(base64.b64encode(param.encode("utf-8"))).decode("utf-8")
    return "<div class='msg'>" + bar + "</div>"
