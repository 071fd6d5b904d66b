# accuracy: cwe=352 label=safe trick=signed-webhook framework=flask
import hashlib
import hmac
import os

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)


@app.route("/webhook", methods=["POST"])
@csrf.exempt
def webhook():
    secret = os.environ["WEBHOOK_SECRET"].encode()
    expected = hmac.new(secret, request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
        abort(403)
    return "accepted"
