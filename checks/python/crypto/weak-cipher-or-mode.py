# Test cases for releasegate.python.crypto.weak-cipher-or-mode
import os

from Crypto.Cipher import AES, ARC4, DES, DES3
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY = os.urandom(32)


def legacy_encrypt(data: bytes) -> bytes:
    # ruleid: releasegate.python.crypto.weak-cipher-or-mode
    cipher = Cipher(algorithms.TripleDES(KEY[:24]), modes.CBC(os.urandom(8)))
    return cipher.encryptor().update(data)


def ecb_encrypt(data: bytes) -> bytes:
    # ruleid: releasegate.python.crypto.weak-cipher-or-mode
    cipher = Cipher(algorithms.AES(KEY), modes.ECB())
    return cipher.encryptor().update(data)


def cbc_encrypt(data: bytes) -> bytes:
    # ok: releasegate.python.crypto.weak-cipher-or-mode
    cipher = Cipher(algorithms.AES(KEY), modes.CBC(os.urandom(16)))
    return cipher.encryptor().update(data)


def stream(data: bytes) -> bytes:
    # ruleid: releasegate.python.crypto.weak-cipher-or-mode
    return Cipher(algorithms.ARC4(KEY), mode=None).encryptor().update(data)


def modern(data: bytes) -> bytes:
    nonce = os.urandom(12)
    # ok: releasegate.python.crypto.weak-cipher-or-mode
    return nonce + AESGCM(KEY).encrypt(nonce, data, None)


def token(data: bytes) -> bytes:
    # ok: releasegate.python.crypto.weak-cipher-or-mode
    return Fernet(Fernet.generate_key()).encrypt(data)


def pycryptodome_legacy(data: bytes) -> bytes:
    # ruleid: releasegate.python.crypto.weak-cipher-or-mode
    des = DES.new(KEY[:8], DES.MODE_CBC)
    # ruleid: releasegate.python.crypto.weak-cipher-or-mode
    tdes = DES3.new(KEY[:24], DES3.MODE_EAX)
    # ruleid: releasegate.python.crypto.weak-cipher-or-mode
    rc4 = ARC4.new(KEY)
    return des.encrypt(data) + tdes.encrypt(data) + rc4.encrypt(data)


def pycryptodome_ecb(data: bytes) -> bytes:
    # ruleid: releasegate.python.crypto.weak-cipher-or-mode
    return AES.new(KEY, AES.MODE_ECB).encrypt(data)


def pycryptodome_ok(data: bytes) -> tuple[bytes, bytes]:
    # ok: releasegate.python.crypto.weak-cipher-or-mode
    cipher = AES.new(KEY, AES.MODE_GCM)
    # ok: releasegate.python.crypto.weak-cipher-or-mode
    other = AES.new(KEY, mode=AES.MODE_EAX)
    # ok: releasegate.python.crypto.weak-cipher-or-mode
    third = AES.new(KEY, AES.MODE_CTR)
    # ok: releasegate.python.crypto.weak-cipher-or-mode
    fourth = AES.new(KEY, AES.MODE_SIV)
    return cipher.encrypt_and_digest(data + other.nonce + third.nonce + fourth.encrypt(b""))
