# accuracy: cwe=614 label=safe trick=secure-flags framework=flask
from flask import Flask, session

app = Flask(__name__)
app.config["SESSION_COOKIE_SECURE"] = True
app.config["SESSION_COOKIE_HTTPONLY"] = True


@app.route("/visit")
def visit():
    session["visits"] = session.get("visits", 0) + 1
    return "counted"
