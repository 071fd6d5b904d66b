"""The real vulnerable versions: each of these must still block."""

import hashlib
import sqlite3
import subprocess

import requests
from flask import Flask, request

app = Flask(__name__)


def store_password(db: sqlite3.Connection, user: str, password: str) -> None:
    digest = hashlib.md5(password.encode()).hexdigest()
    db.execute("UPDATE users SET pw = ? WHERE name = ?", (digest, user))


def fetch_insecure(url: str) -> requests.Response:
    return requests.get(url, verify=False, timeout=10)


@app.route("/ping")
def ping() -> str:
    host = request.args["host"]
    return subprocess.check_output(f"ping -c 1 {host}", shell=True).decode()


@app.route("/user")
def user() -> str:
    db = sqlite3.connect("app.db")
    name = request.args["name"]
    rows = db.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
    return str(rows)
