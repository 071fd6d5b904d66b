# accuracy: cwe=89 label=vulnerable trick=dict-lookup framework=flask
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)


@app.route("/items-by-tag", methods=["GET"])
def items_by_tag():
    param = request.cookies.get("name", "")
    options = {"fixed": "alice", "user": param}
    bar = options["user"]
    engine = create_engine("sqlite:///app.db")
    with engine.connect() as conn:
        conn.execute(text(f"SELECT * FROM items WHERE tag = '{bar}'"))
    return "done"
