# accuracy: cwe=327 label=vulnerable trick=none framework=flask
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Flask, request

app = Flask(__name__)
KEY = os.urandom(24)


@app.route("/vault", methods=["POST"])
def vault():
    secret = request.form.get("secret", "").encode().ljust(8, b" ")[:8]
    iv = os.urandom(8)
    encryptor = Cipher(algorithms.TripleDES(KEY), modes.CBC(iv)).encryptor()
    return {"blob": (iv + encryptor.update(secret) + encryptor.finalize()).hex()}
