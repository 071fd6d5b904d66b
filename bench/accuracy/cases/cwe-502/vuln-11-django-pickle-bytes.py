# accuracy: cwe=502 label=vulnerable trick=replaced-before-use framework=django
import pickle

from django.http import HttpResponse


def restore_cart(request):
    param = request.COOKIES.get("state", "")
    bar = "e30="
    bar = param
    cart = pickle.loads(bar.encode("latin-1"))
    return HttpResponse("done")
