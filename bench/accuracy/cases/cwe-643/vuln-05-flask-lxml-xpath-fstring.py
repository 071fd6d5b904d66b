# accuracy: cwe=643 label=vulnerable trick=none framework=flask
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/user-email", methods=["GET"])
def user_email():
    param = request.headers.get("X-User", "")
    bar = param
    tree = etree.parse("/srv/data/users.xml")
    found = tree.xpath(f"//user[@name='{bar}']/email/text()")
    return "done"
