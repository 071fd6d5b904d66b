# accuracy: cwe=611 label=vulnerable trick=none framework=flask
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/import-order", methods=["GET"])
def import_order():
    param = request.headers.get("X-Payload", "")
    bar = param
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser)
    return "done"
