# accuracy: cwe=22 label=safe trick=dict-lookup framework=flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/save-note", methods=["GET"])
def save_note():
    param = request.cookies.get("name", "")
    options = {"fixed": "readme.txt", "user": param}
    bar = options["fixed"]
    with open(f"/var/app/notes/{bar}", "w", encoding="utf-8") as out:
        out.write("saved")
    return "done"
