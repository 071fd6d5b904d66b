# accuracy: cwe=22 label=safe trick=basename framework=flask
import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/download-file", methods=["GET"])
def download_file():
    param = request.args.get("name", "")
    bar = os.path.basename(param)
    with open(os.path.join("/srv/files", bar), encoding="utf-8") as fh:
        content = fh.read()
    return "done"
