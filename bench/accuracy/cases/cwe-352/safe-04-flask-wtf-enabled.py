# accuracy: cwe=352 label=safe trick=csrf-enabled framework=flask
from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config["WTF_CSRF_ENABLED"] = True
csrf = CSRFProtect(app)


@app.route("/password", methods=["POST"])
def change_password():
    new_password = request.form.get("password", "")
    return "changed" if new_password else "missing"
