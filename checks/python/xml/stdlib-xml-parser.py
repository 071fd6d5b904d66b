# Test cases for releasegate.python.xml.stdlib-xml-parser
import xml.dom.minidom
import xml.etree.ElementTree as ET
import xml.sax
from xml.dom.minidom import parseString

import defusedxml.ElementTree as DET
import defusedxml.minidom
from flask import Flask, request

app = Flask(__name__)


@app.route("/import", methods=["POST"])
def import_xml():
    # ruleid: releasegate.python.xml.stdlib-xml-parser
    root = ET.fromstring(request.data)
    # ok: releasegate.python.xml.stdlib-xml-parser
    root = DET.fromstring(request.data)
    return root.tag


def read_report(path: str) -> str:
    # ruleid: releasegate.python.xml.stdlib-xml-parser
    tree = ET.parse(path)
    # ok: releasegate.python.xml.stdlib-xml-parser
    tree = DET.parse(path)
    return tree.getroot().tag


def pretty(doc: str) -> str:
    # ruleid: releasegate.python.xml.stdlib-xml-parser
    dom = parseString(doc)
    # ok: releasegate.python.xml.stdlib-xml-parser
    dom = defusedxml.minidom.parseString(doc)
    return dom.toprettyxml()


def sax(path: str, handler: xml.sax.ContentHandler) -> None:
    # ruleid: releasegate.python.xml.stdlib-xml-parser
    xml.sax.parse(path, handler)


def constant() -> str:
    # ok: releasegate.python.xml.stdlib-xml-parser
    root = ET.fromstring("<config><debug>false</debug></config>")
    # ok: releasegate.python.xml.stdlib-xml-parser
    node = ET.Element("item")
    return root.tag + ET.tostring(node).decode()
