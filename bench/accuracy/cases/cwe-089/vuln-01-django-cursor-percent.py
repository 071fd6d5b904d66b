# accuracy: cwe=89 label=vulnerable trick=constant-branch framework=django
import sqlite3

from django.http import HttpResponse


def customer_orders(request):
    param = request.POST.get("name", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "alice"
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("SELECT * FROM orders WHERE customer = '%s'" % bar)
    return HttpResponse("done")
