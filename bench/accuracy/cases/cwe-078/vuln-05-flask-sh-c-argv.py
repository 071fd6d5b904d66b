# accuracy: cwe=78 label=vulnerable trick=none framework=flask
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/dig-record", methods=["GET"])
def dig_record():
    param = request.headers.get("X-Host", "")
    bar = param
    subprocess.run(["sh", "-c", "dig " + bar], check=False)
    return "done"
