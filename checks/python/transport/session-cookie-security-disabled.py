# Test cases for releasegate.python.transport.session-cookie-security-disabled
from flask import Flask

app = Flask(__name__)
DEBUG = False

# ruleid: releasegate.python.transport.session-cookie-security-disabled
SESSION_COOKIE_SECURE = False
# ruleid: releasegate.python.transport.session-cookie-security-disabled
CSRF_COOKIE_SECURE = False
# ok: releasegate.python.transport.session-cookie-security-disabled
SESSION_COOKIE_HTTPONLY = True
# ok: releasegate.python.transport.session-cookie-security-disabled
LANGUAGE_COOKIE_SECURE = False
# ruleid: releasegate.python.transport.session-cookie-security-disabled
app.config["SESSION_COOKIE_SECURE"] = False
# ruleid: releasegate.python.transport.session-cookie-security-disabled
app.config.update(SESSION_COOKIE_HTTPONLY=False, SECRET_KEY="x")

if DEBUG:
    # ok: releasegate.python.transport.session-cookie-security-disabled
    SESSION_COOKIE_SECURE = False

if app.debug:
    # ok: releasegate.python.transport.session-cookie-security-disabled
    app.config["SESSION_COOKIE_SECURE"] = False


class DevelopmentConfig:
    # ok: releasegate.python.transport.session-cookie-security-disabled
    SESSION_COOKIE_SECURE = False


def configure_for_tests(test_app):
    # ok: releasegate.python.transport.session-cookie-security-disabled
    test_app.config["SESSION_COOKIE_SECURE"] = False


class ProductionConfig:
    # ruleid: releasegate.python.transport.session-cookie-security-disabled
    SESSION_COOKIE_SECURE = False


def create_app():
    factory_app = Flask(__name__)
    # ruleid: releasegate.python.transport.session-cookie-security-disabled
    factory_app.config["SESSION_COOKIE_HTTPONLY"] = False
    return factory_app


class Config:
    def init_dev(self, dev_app):
        # ok: releasegate.python.transport.session-cookie-security-disabled
        dev_app.config["SESSION_COOKIE_SECURE"] = False


if not DEBUG:
    # ruleid: releasegate.python.transport.session-cookie-security-disabled
    SESSION_COOKIE_SECURE = False

if not app.debug:
    # ruleid: releasegate.python.transport.session-cookie-security-disabled
    app.config["SESSION_COOKIE_HTTPONLY"] = False


class LatestConfig:
    # ruleid: releasegate.python.transport.session-cookie-security-disabled
    SESSION_COOKIE_SECURE = False


class LocalConfig:
    # ok: releasegate.python.transport.session-cookie-security-disabled
    SESSION_COOKIE_SECURE = False


def apply_device_settings(device_app):
    # ruleid: releasegate.python.transport.session-cookie-security-disabled
    device_app.config["SESSION_COOKIE_SECURE"] = False
