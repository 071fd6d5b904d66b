# accuracy: cwe=78 label=safe trick=shlex-quote framework=flask
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/dig-record", methods=["GET"])
def dig_record():
    param = request.headers.get("X-Host", "")
    bar = shlex.quote(param)
    subprocess.run(["sh", "-c", "dig " + bar], check=False)
    return "done"
