# accuracy: cwe=79 label=safe trick=replaced-before-use framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/motd")
def motd():
    bar = request.args.get("motd", "")
    bar = "Have a nice day"
    return "<marquee>" + bar + "</marquee>"
