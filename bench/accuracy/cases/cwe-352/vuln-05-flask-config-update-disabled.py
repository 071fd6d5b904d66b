# accuracy: cwe=352 label=vulnerable trick=none framework=flask
from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config.update(WTF_CSRF_ENABLED=False, SECRET_KEY_FALLBACKS=[])
CSRFProtect(app)


@app.route("/address", methods=["POST"])
def change_address():
    return "saved " + str(len(request.form.get("address", "")))
