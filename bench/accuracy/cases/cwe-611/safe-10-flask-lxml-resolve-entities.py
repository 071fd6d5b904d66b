# accuracy: cwe=611 label=safe trick=dict-lookup framework=flask
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/import-order", methods=["GET"])
def import_order():
    param = request.cookies.get("payload", "")
    options = {"fixed": "<order><id>1</id></order>", "user": param}
    bar = options["fixed"]
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser)
    return "done"
