# accuracy: cwe=352 label=vulnerable trick=form-meta-csrf-off framework=flask
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import StringField

app = Flask(__name__)


class TransferForm(FlaskForm):
    class Meta:
        csrf = False

    recipient = StringField("recipient")


@app.route("/send", methods=["POST"])
def send():
    form = TransferForm()
    if form.validate_on_submit():
        return "sent to " + str(len(form.recipient.data or ""))
    return "invalid"
