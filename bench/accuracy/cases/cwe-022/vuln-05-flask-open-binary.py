# accuracy: cwe=22 label=vulnerable trick=none framework=flask
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/serve-media", methods=["GET"])
def serve_media():
    param = request.headers.get("X-Name", "")
    bar = param
    data = open(os.path.join("/srv/media", bar), "rb").read()
    return "done"
