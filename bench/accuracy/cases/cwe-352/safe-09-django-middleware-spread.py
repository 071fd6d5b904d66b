# accuracy: cwe=352 label=safe trick=spread-base framework=django
from django.http import HttpResponse

BASE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
MIDDLEWARE = [*BASE_MIDDLEWARE, "django.contrib.auth.middleware.AuthenticationMiddleware"]


def subscribe(request):
    return HttpResponse("subscribed " + str(len(request.POST.get("email", ""))))
