# accuracy: cwe=611 label=safe trick=safe-parser framework=flask
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/import-order", methods=["GET"])
def import_order():
    param = request.args.get("payload", "")
    bar = param
    parser = etree.XMLParser(resolve_entities=False)
    doc = etree.fromstring(bar.encode(), parser)
    return "done"
