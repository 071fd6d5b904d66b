# accuracy: cwe=89 label=safe trick=int-cast framework=django
import sqlite3

from django.http import HttpResponse


def find_user(request):
    param = request.GET["name"]
    bar = int(param)
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id FROM users WHERE name = '{bar}'").fetchall()
    return HttpResponse("done")
