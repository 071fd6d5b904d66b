# accuracy: cwe=352 label=vulnerable trick=none framework=django
from django.http import HttpResponse

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def update_email(request):
    request.user.email = request.POST.get("email", "")
    request.user.save()
    return HttpResponse("updated")
