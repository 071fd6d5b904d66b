# accuracy: cwe=89 label=vulnerable trick=none framework=flask
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/find-user", methods=["GET"])
def find_user():
    param = request.args.get("name", "")
    bar = param
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id FROM users WHERE name = '{bar}'").fetchall()
    return "done"
