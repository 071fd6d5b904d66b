# accuracy: cwe=643 label=safe trick=dict-lookup framework=flask
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/user-email", methods=["GET"])
def user_email():
    param = request.cookies.get("user", "")
    options = {"fixed": "alice", "user": param}
    bar = options["fixed"]
    tree = etree.parse("/srv/data/users.xml")
    found = tree.xpath(f"//user[@name='{bar}']/email/text()")
    return "done"
