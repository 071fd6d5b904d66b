# accuracy: cwe=79 label=vulnerable trick=encode-decode-roundtrip framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/comment")
def comment():
    param = request.args.get("text", "")
    bar = param.encode("utf-8").decode("utf-8")
    return "<blockquote>%s</blockquote>" % bar
