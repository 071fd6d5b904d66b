# accuracy: cwe=22 label=vulnerable trick=none framework=flask
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/download-file", methods=["GET"])
def download_file():
    param = request.args.get("name", "")
    bar = param
    with open(os.path.join("/srv/files", bar), encoding="utf-8") as fh:
        content = fh.read()
    return "done"
