# accuracy: cwe=22 label=safe trick=basename framework=flask
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/serve-media", methods=["GET"])
def serve_media():
    param = request.headers.get("X-Name", "")
    bar = os.path.basename(param)
    data = open(os.path.join("/srv/media", bar), "rb").read()
    return "done"
