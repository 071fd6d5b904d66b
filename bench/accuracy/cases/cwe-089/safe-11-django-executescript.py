# accuracy: cwe=89 label=safe trick=replaced-before-use framework=django
import sqlite3

from django.http import HttpResponse


def audit_event(request):
    param = request.COOKIES.get("name", "")
    bar = param
    bar = "alice"
    sqlite3.connect("app.db").executescript(f"INSERT INTO audit VALUES ('{bar}');")
    return HttpResponse("done")
