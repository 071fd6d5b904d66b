# Test cases for releasegate.python.injection.xpath-injection
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
TREE = etree.parse("/srv/data/users.xml", etree.XMLParser(resolve_entities=False))


@app.route("/user")
def user():
    name = request.args.get("name", "")
    # ruleid: releasegate.python.injection.xpath-injection
    nodes = TREE.xpath(f"//user[@name='{name}']/email/text()")
    # ok: releasegate.python.injection.xpath-injection
    nodes = TREE.xpath("//user[@name=$name]/email/text()", name=name)
    return str(nodes)


@app.route("/login", methods=["POST"])
def login():
    u = request.form["u"]
    p = request.form["p"]
    # ruleid: releasegate.python.injection.xpath-injection
    find = etree.XPath("//user[@name='" + u + "' and @pw='" + p + "']")
    # ok: releasegate.python.injection.xpath-injection
    find = etree.XPath("//user[@name=$u and @pw=$p]")
    # ok: releasegate.python.injection.xpath-injection
    return str(bool(find(TREE, u=u, p=p)))


@app.route("/item")
def item():
    idx = request.args.get("idx", "1")
    # ok: releasegate.python.injection.xpath-injection
    return str(TREE.xpath("//item[%d]/text()" % int(idx)))
