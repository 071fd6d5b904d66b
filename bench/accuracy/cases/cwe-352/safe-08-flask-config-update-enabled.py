# accuracy: cwe=352 label=safe trick=csrf-enabled framework=flask
from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=3600)
CSRFProtect(app)


@app.route("/address", methods=["POST"])
def change_address():
    return "saved " + str(len(request.form.get("address", "")))
