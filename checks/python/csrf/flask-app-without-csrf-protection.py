# Test cases for releasegate.python.csrf.flask-app-without-csrf-protection
from flask import Flask, request, session
from flask_login import current_user, login_required

app = Flask(__name__)


# ruleid: releasegate.python.csrf.flask-app-without-csrf-protection
@app.route("/settings", methods=["POST"])
def save_settings():
    session["newsletter"] = request.form.get("newsletter") == "on"
    return "saved"


# ruleid: releasegate.python.csrf.flask-app-without-csrf-protection
@app.post("/email")
@login_required
def change_email():
    return "changed to " + request.form.get("email", "")


# ruleid: releasegate.python.csrf.flask-app-without-csrf-protection
@app.route("/delete", methods=["GET", "DELETE"])
def delete_account():
    current_user.delete()
    return "deleted"


# ok: releasegate.python.csrf.flask-app-without-csrf-protection
@app.route("/profile")
def profile():
    return "hello " + session.get("name", "")


# ok: releasegate.python.csrf.flask-app-without-csrf-protection
@app.route("/api/ping", methods=["POST"])
def ping():
    return {"pong": request.get_json(silent=True)}
