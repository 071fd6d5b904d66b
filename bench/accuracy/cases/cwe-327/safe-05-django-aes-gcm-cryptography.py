# accuracy: cwe=327 label=safe trick=aead-cipher framework=django
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.http import JsonResponse

KEY = os.environ.get("DATA_KEY", "").encode().ljust(32, b"0")[:32]


def encrypt_note(request):
    note = request.POST.get("note", "").encode()
    iv = os.urandom(12)
    encryptor = Cipher(algorithms.AES(KEY), modes.GCM(iv)).encryptor()
    body = encryptor.update(note) + encryptor.finalize()
    return JsonResponse({"note": (iv + body + encryptor.tag).hex()})
