# accuracy: cwe=614 label=vulnerable trick=none framework=flask
from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/auth", methods=["POST"])
def auth():
    sid = request.form.get("sid", "")
    response = make_response("authenticated")
    response.set_cookie("sid", sid, secure=True, httponly=False)
    return response
