# accuracy: cwe=614 label=safe trick=secure-flags framework=flask
from flask import Flask, session

app = Flask(__name__)
app.config.update(
    SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax"
)


@app.route("/cart")
def cart():
    session.setdefault("cart", [])
    return "cart ready"
