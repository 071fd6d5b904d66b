# accuracy: cwe=614 label=vulnerable trick=none framework=django
from django.http import HttpResponse

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = False


def health(request):
    request.session["seen"] = True
    return HttpResponse("ok")
