# accuracy: cwe=614 label=vulnerable trick=none framework=django
from django.http import HttpResponse

SESSION_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = False


def ping(request):
    request.session["last_ping"] = int(request.GET.get("id", "0"))
    return HttpResponse("pong")
