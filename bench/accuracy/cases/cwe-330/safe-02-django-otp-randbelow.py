# accuracy: cwe=330 label=safe trick=secrets-module framework=django
import secrets

from django.http import JsonResponse


def send_otp(request):
    phone = request.POST.get("phone", "")
    otp_code = 100000 + secrets.randbelow(900000)
    request.session["otp_code"] = otp_code
    return JsonResponse({"sent_to": phone[-2:]})
