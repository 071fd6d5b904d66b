# accuracy: cwe=79 label=vulnerable trick=autoescape-disabled framework=flask
from flask import Flask, request
from jinja2 import Environment, FileSystemLoader

app = Flask(__name__)
env = Environment(loader=FileSystemLoader("templates"), autoescape=False)


@app.route("/card")
def card():
    template = env.get_template("card.html")
    return template.render(owner=request.args.get("owner", ""))
