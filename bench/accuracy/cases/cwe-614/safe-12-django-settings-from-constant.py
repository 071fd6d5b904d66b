# accuracy: cwe=614 label=safe trick=flag-constants framework=django
from django.http import HttpResponse

HTTPS_ONLY = True
SESSION_COOKIE_SECURE = HTTPS_ONLY
SESSION_COOKIE_HTTPONLY = HTTPS_ONLY


def health(request):
    request.session["seen"] = True
    return HttpResponse("ok")
