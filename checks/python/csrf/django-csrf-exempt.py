# Test cases for releasegate.python.csrf.django-csrf-exempt
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST


# ruleid: releasegate.python.csrf.django-csrf-exempt
@csrf_exempt
def transfer(request: HttpRequest) -> HttpResponse:
    return HttpResponse("done")


# ok: releasegate.python.csrf.django-csrf-exempt
@require_POST
def transfer_protected(request: HttpRequest) -> HttpResponse:
    return HttpResponse("done")


# ruleid: releasegate.python.csrf.django-csrf-exempt
@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    def post(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"ok": True})


# ok: releasegate.python.csrf.django-csrf-exempt
@method_decorator(csrf_protect, name="dispatch")
class ProfileView(View):
    def post(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"ok": True})


def status(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    # ruleid: releasegate.python.csrf.django-csrf-exempt
    path("hook/", csrf_exempt(status)),
    # ok: releasegate.python.csrf.django-csrf-exempt
    path("status/", status),
]
