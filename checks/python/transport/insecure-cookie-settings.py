# Test cases for releasegate.python.transport.insecure-cookie-settings
import os

from flask import Flask

# Django settings
# ruleid: releasegate.python.transport.insecure-cookie-settings
SESSION_COOKIE_SECURE = False
# ok: releasegate.python.transport.insecure-cookie-settings
SESSION_COOKIE_SECURE = True
# ruleid: releasegate.python.transport.insecure-cookie-settings
CSRF_COOKIE_SECURE = False
# ok: releasegate.python.transport.insecure-cookie-settings
CSRF_COOKIE_SECURE = os.environ.get("HTTPS_ONLY", "1") == "1"
# ruleid: releasegate.python.transport.insecure-cookie-settings
SESSION_COOKIE_HTTPONLY = False
# ok: releasegate.python.transport.insecure-cookie-settings
SESSION_COOKIE_HTTPONLY = True
# ruleid: releasegate.python.transport.insecure-cookie-settings
SESSION_COOKIE_SAMESITE = None
# ok: releasegate.python.transport.insecure-cookie-settings
SESSION_COOKIE_SAMESITE = "Lax"
# Django's CSRF cookie is deliberately readable by JavaScript.
# ok: releasegate.python.transport.insecure-cookie-settings
CSRF_COOKIE_HTTPONLY = False

app = Flask(__name__)
# ruleid: releasegate.python.transport.insecure-cookie-settings
app.config["SESSION_COOKIE_SECURE"] = False
# ok: releasegate.python.transport.insecure-cookie-settings
app.config["SESSION_COOKIE_SECURE"] = True
# ruleid: releasegate.python.transport.insecure-cookie-settings
app.config.update(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE="Lax")
# ok: releasegate.python.transport.insecure-cookie-settings
app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
