# Test cases for releasegate.python.xml.xxe-from-request
import io
import xml.sax
from xml.dom import pulldom
from xml.sax.handler import feature_external_ges

import defusedxml.ElementTree
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/orders", methods=["POST"])
def import_order():
    parser = etree.XMLParser(resolve_entities=True)
    # ruleid: releasegate.python.xml.xxe-from-request
    etree.fromstring(request.data, parser)
    return "done"


@app.route("/invoices", methods=["POST"])
def import_invoice():
    body = request.form.get("xml", "")
    parser = etree.XMLParser(load_dtd=True, no_network=False, resolve_entities=True)
    # ruleid: releasegate.python.xml.xxe-from-request
    etree.fromstring(body.encode(), parser=parser)
    return "done"


@app.route("/manifest", methods=["POST"])
def manifest():
    # ruleid: releasegate.python.xml.xxe-from-request
    etree.XML(request.data, etree.XMLParser(resolve_entities=True, load_dtd=True))
    return "done"


@app.route("/feed", methods=["POST"])
def feed():
    reader = xml.sax.make_parser()
    reader.setFeature(feature_external_ges, True)
    # ruleid: releasegate.python.xml.xxe-from-request
    reader.parse(io.BytesIO(request.data))
    return "done"


@app.route("/events", methods=["POST"])
def events():
    sax = xml.sax.make_parser()
    sax.setFeature(feature_external_ges, True)
    # ruleid: releasegate.python.xml.xxe-from-request
    for _event, _node in pulldom.parseString(request.get_data(as_text=True), parser=sax):
        pass
    return "done"


@app.route("/safe-orders", methods=["POST"])
def import_order_safely():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: releasegate.python.xml.xxe-from-request
    etree.fromstring(request.data, parser)
    # ok: releasegate.python.xml.xxe-from-request
    defusedxml.ElementTree.fromstring(request.data)
    return "done"


@app.route("/safe-feed", methods=["POST"])
def feed_safely():
    reader = xml.sax.make_parser()
    reader.setFeature(feature_external_ges, False)
    # ok: releasegate.python.xml.xxe-from-request
    reader.parse(io.BytesIO(request.data))
    return "done"


def load_bundled_catalogue():
    parser = etree.XMLParser(resolve_entities=True)
    # ok: releasegate.python.xml.xxe-from-request
    return etree.parse("catalogue.xml", parser)
