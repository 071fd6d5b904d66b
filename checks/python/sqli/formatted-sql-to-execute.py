# Test cases for releasegate.python.sqli.formatted-sql-to-execute
import sqlite3

import pandas as pd
from flask import Flask, request
from sqlalchemy import text
from sqlalchemy.orm import Session

app = Flask(__name__)
TABLE = "users"


@app.route("/user")
def get_user():
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    user_id = request.args.get("id", "")
    # ruleid: releasegate.python.sqli.formatted-sql-to-execute
    cur.execute(f"SELECT * FROM users WHERE id = {user_id}")
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    cur.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return str(cur.fetchone())


def find_by_name(cur: sqlite3.Cursor, name: str) -> None:
    query = "SELECT * FROM users WHERE name = '%s'" % name
    # ruleid: releasegate.python.sqli.formatted-sql-to-execute
    cur.execute(query)
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    cur.execute("SELECT * FROM users WHERE name = %s", (name,))


def delete_many(cur: sqlite3.Cursor, ids: list[str], status: str) -> None:
    # ruleid: releasegate.python.sqli.formatted-sql-to-execute
    cur.executemany("UPDATE t SET status = '" + status + "' WHERE id = ?", [(i,) for i in ids])
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    cur.executemany("UPDATE t SET status = ? WHERE id = ?", [(status, i) for i in ids])


def migrate(cur: sqlite3.Cursor, schema: str) -> None:
    # ruleid: releasegate.python.sqli.formatted-sql-to-execute
    cur.executescript("CREATE SCHEMA {}; SET search_path = {};".format(schema, schema))
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    cur.executescript("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY);")


def orders(session: Session, customer: str) -> None:
    # ruleid: releasegate.python.sqli.formatted-sql-to-execute
    session.execute(text(f"SELECT * FROM orders WHERE customer = '{customer}'"))
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    session.execute(text("SELECT * FROM orders WHERE customer = :c"), {"c": customer})
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    session.execute(text("SELECT * FROM " + "orders"))


def report(conn: sqlite3.Connection, region: str) -> None:
    # ruleid: releasegate.python.sqli.formatted-sql-to-execute
    pd.read_sql("SELECT * FROM sales WHERE region = '%s'" % region, conn)
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    pd.read_sql("SELECT * FROM sales WHERE region = ?", conn, params=(region,))


def constant_table(cur: sqlite3.Cursor) -> None:
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    cur.execute("SELECT count(*) FROM users")
    message = f"counting rows of {TABLE}"
    # ok: releasegate.python.sqli.formatted-sql-to-execute
    print(message)


def in_clause(cur: sqlite3.Cursor, ids: list[int]) -> None:
    placeholders = ",".join("?" * len(ids))
    # Known limitation: placeholder lists built with formatting look like built SQL.
    # todook: releasegate.python.sqli.formatted-sql-to-execute
    cur.execute(f"SELECT * FROM t WHERE id IN ({placeholders})", ids)
