# accuracy: cwe=79 label=safe trick=html-escape framework=flask
from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)


@app.route("/search")
def search():
    bar = escape(request.args.get("q", ""))
    RESPONSE = ""
    RESPONSE += "<html><body>"
    RESPONSE += f"<p>Results for {bar}</p>"
    RESPONSE += "</body></html>"
    return RESPONSE
