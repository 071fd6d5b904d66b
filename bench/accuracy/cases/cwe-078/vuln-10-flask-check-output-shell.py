# accuracy: cwe=78 label=vulnerable trick=dict-lookup framework=flask
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/list-directory", methods=["GET"])
def list_directory():
    param = request.cookies.get("host", "")
    options = {"fixed": "localhost", "user": param}
    bar = options["user"]
    subprocess.check_output("whois {}".format(bar), shell=True)
    return "done"
