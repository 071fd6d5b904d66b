# accuracy: cwe=327 label=vulnerable trick=none framework=django
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.http import JsonResponse

KEY = os.environ.get("DATA_KEY", "").encode().ljust(32, b"0")[:32]


def encrypt_note(request):
    note = request.POST.get("note", "").encode()
    padder = padding.PKCS7(128).padder()
    data = padder.update(note) + padder.finalize()
    encryptor = Cipher(algorithms.AES(KEY), modes.ECB()).encryptor()
    return JsonResponse({"note": (encryptor.update(data) + encryptor.finalize()).hex()})
