# accuracy: cwe=352 label=safe trick=csrf-enabled framework=flask
from flask import Flask
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import StringField

app = Flask(__name__)
CSRFProtect(app)


class TransferForm(FlaskForm):
    recipient = StringField("recipient")


@app.route("/send", methods=["POST"])
def send():
    form = TransferForm()
    if form.validate_on_submit():
        return "sent to " + str(len(form.recipient.data or ""))
    return "invalid"
