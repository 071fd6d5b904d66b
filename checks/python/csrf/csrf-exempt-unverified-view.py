# Test cases for releasegate.python.csrf.csrf-exempt-unverified-view
import hashlib
import hmac
import os

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from flask import Flask, abort, request
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)
SECRET = os.environ["WEBHOOK_SECRET"].encode()


# ruleid: releasegate.python.csrf.csrf-exempt-unverified-view
@csrf_exempt
@require_POST
def transfer(req: HttpRequest) -> HttpResponse:
    return HttpResponse("sent " + req.POST.get("amount", "0"))


# ok: releasegate.python.csrf.csrf-exempt-unverified-view
@csrf_exempt
def stripe_hook(req: HttpRequest) -> HttpResponse:
    expected = hmac.new(SECRET, req.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, req.headers.get("X-Signature", "")):
        return HttpResponse(status=403)
    return HttpResponse("ok")


# ok: releasegate.python.csrf.csrf-exempt-unverified-view
@csrf_protect
def profile(req: HttpRequest) -> HttpResponse:
    return HttpResponse("saved")


# ruleid: releasegate.python.csrf.csrf-exempt-unverified-view
@method_decorator(csrf_exempt, name="dispatch")
class PaymentView(View):
    def post(self, req: HttpRequest) -> HttpResponse:
        return HttpResponse("charged")


# ok: releasegate.python.csrf.csrf-exempt-unverified-view
@method_decorator(csrf_exempt, name="dispatch")
class GithubHookView(View):
    def post(self, req: HttpRequest) -> HttpResponse:
        digest = "sha256=" + hmac.new(SECRET, req.body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(digest, req.headers.get("X-Hub-Signature-256", "")):
            return HttpResponse("ok")
        return HttpResponse(status=403)


# ruleid: releasegate.python.csrf.csrf-exempt-unverified-view
@app.route("/transfer", methods=["POST"])
@csrf.exempt
def flask_transfer():
    return "sent " + request.form.get("amount", "0")


# ok: releasegate.python.csrf.csrf-exempt-unverified-view
@app.route("/hook", methods=["POST"])
@csrf.exempt
def flask_hook():
    expected = hmac.new(SECRET, request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
        abort(403)
    return "accepted"


# ok: releasegate.python.csrf.csrf-exempt-unverified-view
@app.route("/cache", methods=["POST"])
@cache.exempt
def not_csrf():
    return "cached"
