# accuracy: cwe=327 label=vulnerable trick=none framework=flask
from Crypto.Cipher import DES
from Crypto.Util.Padding import pad
from flask import Flask, request

app = Flask(__name__)
KEY = bytes.fromhex("0123456789abcdef")


@app.route("/cards", methods=["POST"])
def store_card():
    number = request.form.get("number", "")
    cipher = DES.new(KEY, DES.MODE_CBC)
    encrypted = cipher.iv + cipher.encrypt(pad(number.encode(), 8))
    return {"stored": encrypted.hex()}
