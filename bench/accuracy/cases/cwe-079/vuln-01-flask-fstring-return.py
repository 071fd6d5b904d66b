# accuracy: cwe=79 label=vulnerable trick=none framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    return f"<h1>Hello {name}</h1>"
