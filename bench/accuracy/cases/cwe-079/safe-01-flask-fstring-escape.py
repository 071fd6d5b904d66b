# accuracy: cwe=79 label=safe trick=html-escape framework=flask
import html

from flask import Flask, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    return f"<h1>Hello {html.escape(name)}</h1>"
