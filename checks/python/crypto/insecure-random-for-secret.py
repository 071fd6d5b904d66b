# Test cases for releasegate.python.crypto.insecure-random-for-secret
import random
import uuid
import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def issue_session() -> str:
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    session_token = "".join(random.choice(ALPHABET) for _ in range(32))
    # ok: releasegate.python.crypto.insecure-random-for-secret
    session_token = secrets.token_urlsafe(32)
    return session_token


def reset_password() -> str:
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    new_password = "".join(random.choices(ALPHABET, k=12))
    # ok: releasegate.python.crypto.insecure-random-for-secret
    new_password = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return new_password


def send_otp(user: object) -> None:
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    user.verification_code = random.randint(100000, 999999)  # type: ignore[attr-defined]
    # ok: releasegate.python.crypto.insecure-random-for-secret
    user.verification_code = secrets.randbelow(900000) + 100000  # type: ignore[attr-defined]


def generate_api_key() -> str:
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    return "%032x" % random.getrandbits(128)


def generate_api_key_safe() -> str:
    # ok: releasegate.python.crypto.insecure-random-for-secret
    return secrets.token_hex(16)


def pick_backend(backends: list[str]) -> str:
    # ok: releasegate.python.crypto.insecure-random-for-secret
    backend = random.choice(backends)
    # ok: releasegate.python.crypto.insecure-random-for-secret
    jitter = random.uniform(0.5, 1.5)
    return backend + str(jitter)


def issue_with_instance() -> str:
    rng = random.Random()
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    invite_token = "".join(rng.choice(ALPHABET) for _ in range(20))
    return invite_token


RNG = random.Random()


def issue_with_module_instance() -> str:
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    activation_key = "".join(RNG.choice(ALPHABET) for _ in range(40))
    # ok: releasegate.python.crypto.insecure-random-for-secret
    shuffle_seed = RNG.random()
    return activation_key + str(shuffle_seed)


def one_time_codes() -> tuple[int, str]:
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    otp_code = random.randint(100000, 999999)
    # ruleid: releasegate.python.crypto.insecure-random-for-secret
    secret_link = uuid.UUID(int=random.getrandbits(128))
    # ok: releasegate.python.crypto.insecure-random-for-secret
    retry_code = random.randint(1, 3)
    # ok: releasegate.python.crypto.insecure-random-for-secret
    secret_link_safe = uuid.uuid4()
    return otp_code + retry_code, f"{secret_link}{secret_link_safe}"
