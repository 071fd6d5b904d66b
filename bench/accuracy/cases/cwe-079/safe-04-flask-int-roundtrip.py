# accuracy: cwe=79 label=safe trick=int-cast framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/page")
def page():
    number = int(request.args.get("n", "1"))
    return "<p>Page " + str(number) + "</p>"
