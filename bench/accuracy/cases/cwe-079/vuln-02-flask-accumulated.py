# accuracy: cwe=79 label=vulnerable trick=accumulated-response framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    bar = request.args.get("q", "")
    RESPONSE = ""
    RESPONSE += "<html><body>"
    RESPONSE += f"<p>Results for {bar}</p>"
    RESPONSE += "</body></html>"
    return RESPONSE
