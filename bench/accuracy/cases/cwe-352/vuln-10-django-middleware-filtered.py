# accuracy: cwe=352 label=vulnerable trick=computed-list framework=django
from django.http import HttpResponse

BASE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
MIDDLEWARE = [name for name in BASE_MIDDLEWARE if "csrf" not in name.lower()]


def vote(request):
    choice = request.POST.get("choice", "")
    return HttpResponse("voted " + str(len(choice)))
