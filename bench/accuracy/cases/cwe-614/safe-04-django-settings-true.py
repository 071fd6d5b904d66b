# accuracy: cwe=614 label=safe trick=secure-flags framework=django
from django.http import HttpResponse

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True


def ping(request):
    return HttpResponse("pong " + str(int(request.GET.get("id", "0"))))
