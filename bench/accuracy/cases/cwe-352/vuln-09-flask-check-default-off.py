# accuracy: cwe=352 label=vulnerable trick=none framework=flask
from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config["WTF_CSRF_CHECK_DEFAULT"] = False
csrf = CSRFProtect(app)


@app.route("/profile", methods=["POST"])
def update_profile():
    return "updated " + request.form.get("bio", "")[:10]
