# accuracy: cwe=89 label=safe trick=constant-branch framework=django
import sqlite3

from django.http import HttpResponse


def customer_orders(request):
    param = request.POST.get("name", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "alice"
    else:
        bar = param
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("SELECT * FROM orders WHERE customer = '%s'" % bar)
    return HttpResponse("done")
