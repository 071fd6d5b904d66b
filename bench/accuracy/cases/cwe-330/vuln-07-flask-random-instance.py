# accuracy: cwe=330 label=vulnerable trick=random-instance framework=flask
import random
import string

from flask import Flask, request

app = Flask(__name__)
rng = random.Random()


@app.route("/activate", methods=["POST"])
def activate():
    user = request.form.get("user", "")
    activation_key = "".join(rng.choice(string.hexdigits) for _ in range(40))
    return {"user": user, "activation_key": activation_key}
