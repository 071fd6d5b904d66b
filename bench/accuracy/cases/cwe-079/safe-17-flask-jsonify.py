# accuracy: cwe=79 label=safe trick=json-response framework=flask
import base64

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/decode", methods=["POST"])
def decode():
    param = request.form.get("blob", "")
    text = base64.b64decode(param).decode("utf-8", "replace")
    return jsonify({"text": text})
