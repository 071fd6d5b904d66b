# accuracy: cwe=330 label=vulnerable trick=none framework=django
import random

from django.http import JsonResponse


def send_otp(request):
    phone = request.POST.get("phone", "")
    otp_code = random.randint(100000, 999999)
    request.session["otp_code"] = otp_code
    return JsonResponse({"sent_to": phone[-2:]})
