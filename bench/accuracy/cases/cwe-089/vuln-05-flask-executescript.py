# accuracy: cwe=89 label=vulnerable trick=none framework=flask
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/audit-event", methods=["GET"])
def audit_event():
    param = request.headers.get("X-Name", "")
    bar = param
    sqlite3.connect("app.db").executescript(f"INSERT INTO audit VALUES ('{bar}');")
    return "done"
