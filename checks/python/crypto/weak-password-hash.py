# Test cases for releasegate.python.crypto.weak-password-hash
import hashlib
import os


def store_user(username: str, password: str) -> str:
    # ruleid: releasegate.python.crypto.weak-password-hash
    digest = hashlib.md5(password.encode()).hexdigest()
    # ok: releasegate.python.crypto.weak-password-hash
    digest = hashlib.md5(username.encode()).hexdigest()
    return digest


def store_user_sha(user: object) -> str:
    # ruleid: releasegate.python.crypto.weak-password-hash
    return hashlib.sha1(user.password.encode("utf-8")).hexdigest()  # type: ignore[attr-defined]


def store_user_new(password: bytes) -> str:
    # ruleid: releasegate.python.crypto.weak-password-hash
    return hashlib.new("md5", password).hexdigest()


def store_user_update(password: bytes) -> str:
    h = hashlib.sha256()
    # ruleid: releasegate.python.crypto.weak-password-hash
    h.update(password)
    return h.hexdigest()


def store_user_safe(password: str) -> bytes:
    salt = os.urandom(16)
    # ok: releasegate.python.crypto.weak-password-hash
    return salt + hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def store_user_scrypt(password: str) -> bytes:
    salt = os.urandom(16)
    # ok: releasegate.python.crypto.weak-password-hash
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def cache_key(url: str) -> str:
    # ok: releasegate.python.crypto.weak-password-hash
    return hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()


def etag(body: bytes) -> str:
    h = hashlib.sha1()
    # ok: releasegate.python.crypto.weak-password-hash
    h.update(body)
    return h.hexdigest()


PASSWORD_HASHERS = [
    # ruleid: releasegate.python.crypto.weak-password-hash
    "django.contrib.auth.hashers.MD5PasswordHasher",
    # ok: releasegate.python.crypto.weak-password-hash
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # ok: releasegate.python.crypto.weak-password-hash
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def from_the_form(request):
    # ruleid: releasegate.python.crypto.weak-password-hash
    return hashlib.md5(request.form["password"].encode()).hexdigest()


def short_name(pw):
    # ruleid: releasegate.python.crypto.weak-password-hash
    return hashlib.md5(pw.encode()).hexdigest()


def salted_first(password):
    salted = "s3" + password
    # ruleid: releasegate.python.crypto.weak-password-hash
    return hashlib.md5(salted.encode()).hexdigest()


def not_a_password(request, body):
    # ok: releasegate.python.crypto.weak-password-hash
    etag = hashlib.md5(request.form["comment"].encode()).hexdigest()
    size = len(body)
    # ok: releasegate.python.crypto.weak-password-hash
    return etag, hashlib.sha1(str(size).encode()).hexdigest()
