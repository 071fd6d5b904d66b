# accuracy: cwe=79 label=vulnerable trick=none framework=flask
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    title = request.args.get("title", "")
    return render_template_string(f"<h1>{title}</h1><p>{{{{ body }}}}</p>", body="draft")
