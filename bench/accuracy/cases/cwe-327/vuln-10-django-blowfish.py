# accuracy: cwe=327 label=vulnerable trick=none framework=django
import os

from Crypto.Cipher import Blowfish
from Crypto.Util.Padding import pad
from django.http import JsonResponse

KEY = os.urandom(16)


def protect_ssn(request):
    ssn = request.POST.get("ssn", "")
    cipher = Blowfish.new(KEY, Blowfish.MODE_CBC)
    return JsonResponse({"ssn": (cipher.iv + cipher.encrypt(pad(ssn.encode(), 8))).hex()})
