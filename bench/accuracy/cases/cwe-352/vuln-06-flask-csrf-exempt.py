# accuracy: cwe=352 label=vulnerable trick=none framework=flask
from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)


@app.route("/transfer", methods=["POST"])
@csrf.exempt
def transfer():
    amount = int(request.form.get("amount", "0"))
    return f"sent {amount}"
