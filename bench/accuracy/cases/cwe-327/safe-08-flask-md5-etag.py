# accuracy: cwe=327 label=safe trick=non-secret-use framework=flask
import hashlib

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/export")
def export():
    body = ("report for month " + str(int(request.args.get("month", "1")))).encode()
    response = make_response(body)
    response.headers["ETag"] = hashlib.md5(body).hexdigest()
    return response
