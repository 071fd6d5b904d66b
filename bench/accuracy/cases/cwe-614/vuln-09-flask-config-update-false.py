# accuracy: cwe=614 label=vulnerable trick=none framework=flask
from flask import Flask, session

app = Flask(__name__)
app.config.update(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SECURE=False)


@app.route("/cart")
def cart():
    session.setdefault("cart", [])
    return "cart ready"
