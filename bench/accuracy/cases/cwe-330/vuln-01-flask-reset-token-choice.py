# accuracy: cwe=330 label=vulnerable trick=none framework=flask
import random
import string

from flask import Flask, request

app = Flask(__name__)


@app.route("/reset", methods=["POST"])
def reset_password():
    email = request.form.get("email", "")
    token = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(32))
    return {"email": email, "reset_token": token}
