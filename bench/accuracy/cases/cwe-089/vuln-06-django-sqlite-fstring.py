# accuracy: cwe=89 label=vulnerable trick=helper-function framework=django
import sqlite3

from django.http import HttpResponse


def find_user(request):
    param = request.GET["name"]
    bar = _normalise(param)
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id FROM users WHERE name = '{bar}'").fetchall()
    return HttpResponse("done")


def _normalise(value):
    return value.strip()
