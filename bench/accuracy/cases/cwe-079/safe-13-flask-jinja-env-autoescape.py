# accuracy: cwe=79 label=safe trick=autoescape-enabled framework=flask
from flask import Flask, request
from jinja2 import Environment, FileSystemLoader, select_autoescape

app = Flask(__name__)
env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html"]))


@app.route("/card")
def card():
    template = env.get_template("card.html")
    return template.render(owner=request.args.get("owner", ""))
