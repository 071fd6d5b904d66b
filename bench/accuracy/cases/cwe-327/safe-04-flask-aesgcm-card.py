# accuracy: cwe=327 label=safe trick=aead-cipher framework=flask
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, request

app = Flask(__name__)
KEY = AESGCM.generate_key(bit_length=256)


@app.route("/cards", methods=["POST"])
def store_card():
    number = request.form.get("number", "")
    nonce = os.urandom(12)
    encrypted = nonce + AESGCM(KEY).encrypt(nonce, number.encode(), None)
    return {"stored": encrypted.hex()}
