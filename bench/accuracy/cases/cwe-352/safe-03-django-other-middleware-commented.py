# accuracy: cwe=352 label=safe trick=commented-out-other framework=django
from django.http import HttpResponse

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # "django.middleware.gzip.GZipMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def delete_account(request):
    if request.method == "POST":
        request.user.delete()
    return HttpResponse("deleted")
