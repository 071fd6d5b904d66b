# accuracy: cwe=601 label=safe trick=dict-lookup framework=flask
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/sso-return", methods=["GET"])
def sso_return():
    param = request.cookies.get("next", "")
    options = {"fixed": "/dashboard", "user": param}
    bar = options["fixed"]
    return redirect(bar)
