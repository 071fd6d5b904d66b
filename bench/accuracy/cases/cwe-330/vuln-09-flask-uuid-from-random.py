# accuracy: cwe=330 label=vulnerable trick=none framework=flask
import random
import uuid

from flask import Flask, request

app = Flask(__name__)


@app.route("/share", methods=["POST"])
def share_link():
    doc = request.form.get("doc", "")
    secret_link = uuid.UUID(int=random.getrandbits(128))
    return {"doc": doc, "link": f"https://example.com/s/{secret_link}"}
