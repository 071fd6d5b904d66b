# accuracy: cwe=502 label=vulnerable trick=dict-lookup framework=flask
from flask import Flask, request
import jsonpickle

app = Flask(__name__)


@app.route("/load-object", methods=["GET"])
def load_object():
    param = request.cookies.get("state", "")
    options = {"fixed": "e30=", "user": param}
    bar = options["user"]
    obj = jsonpickle.decode(bar)
    return "done"
