# accuracy: cwe=352 label=safe trick=check-default-with-protect framework=flask
from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config["WTF_CSRF_CHECK_DEFAULT"] = False
csrf = CSRFProtect(app)


@app.before_request
def check_csrf():
    csrf.protect()


@app.route("/profile", methods=["POST"])
def update_profile():
    return "updated " + request.form.get("bio", "")[:10]
