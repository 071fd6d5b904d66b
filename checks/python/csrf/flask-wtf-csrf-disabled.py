# Test cases for releasegate.python.csrf.flask-wtf-csrf-disabled
import os

from flask import Flask
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)


class ProductionConfig:
    SECRET_KEY = os.environ["SECRET_KEY"]
    # ruleid: releasegate.python.csrf.flask-wtf-csrf-disabled
    WTF_CSRF_ENABLED = False


class DefaultConfig:
    # ok: releasegate.python.csrf.flask-wtf-csrf-disabled
    WTF_CSRF_ENABLED = True


class TestingConfig:
    TESTING = True
    # ok: releasegate.python.csrf.flask-wtf-csrf-disabled
    WTF_CSRF_ENABLED = False


# ruleid: releasegate.python.csrf.flask-wtf-csrf-disabled
app.config["WTF_CSRF_ENABLED"] = False

# ok: releasegate.python.csrf.flask-wtf-csrf-disabled
app.config["WTF_CSRF_TIME_LIMIT"] = 3600

# ruleid: releasegate.python.csrf.flask-wtf-csrf-disabled
app.config.update(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=True)

# ok: releasegate.python.csrf.flask-wtf-csrf-disabled
app.config.update(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=True)

csrf = CSRFProtect(app)


class CommentForm(FlaskForm):
    class Meta:
        # ruleid: releasegate.python.csrf.flask-wtf-csrf-disabled
        csrf = False


class SearchForm(FlaskForm):
    class Meta:
        # ok: releasegate.python.csrf.flask-wtf-csrf-disabled
        csrf = True


def test_post_comment() -> None:
    app.config["TESTING"] = True
    # ok: releasegate.python.csrf.flask-wtf-csrf-disabled
    app.config["WTF_CSRF_ENABLED"] = False


# ok: releasegate.python.csrf.flask-wtf-csrf-disabled
app.config["WTF_CSRF_CHECK_DEFAULT"] = False


@app.before_request
def check_csrf():
    csrf.protect()


# ruleid: releasegate.python.csrf.flask-wtf-csrf-disabled
app.config["WTF_CSRF_CHECK_DEFAULT"] = False
# ok: releasegate.python.csrf.flask-wtf-csrf-disabled
app.config["WTF_CSRF_CHECK_DEFAULT"] = True


class StagingConfig:
    # ruleid: releasegate.python.csrf.flask-wtf-csrf-disabled
    WTF_CSRF_CHECK_DEFAULT = False
