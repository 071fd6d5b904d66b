# Test cases for releasegate.python.secrets.hardcoded-credential
import os

import psycopg
from pydantic_settings import BaseSettings

# ruleid: releasegate.python.secrets.hardcoded-credential
SECRET_KEY = "django-insecure-9x!f3k@2m#pq7v"
# ok: releasegate.python.secrets.hardcoded-credential
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

# ruleid: releasegate.python.secrets.hardcoded-credential
STRIPE_API_KEY = "sk_live_51H8xQ2eZvKYlo2C"
# ok: releasegate.python.secrets.hardcoded-credential
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")

# ok: releasegate.python.secrets.hardcoded-credential
DB_PASSWORD = ""
# ok: releasegate.python.secrets.hardcoded-credential
GITHUB_TOKEN = "<your-github-token>"
# Names of environment variables are not secrets.
# ok: releasegate.python.secrets.hardcoded-credential
API_KEY = "PAYMENTS_API_KEY"
# ok: releasegate.python.secrets.hardcoded-credential
TOKEN_URL = "https://auth.example.com/oauth/token"
# ok: releasegate.python.secrets.hardcoded-credential
password_field = "password"


class Settings(BaseSettings):
    # ruleid: releasegate.python.secrets.hardcoded-credential
    openai_api_key: str = "sk-proj-AbC123dEf456"
    # ok: releasegate.python.secrets.hardcoded-credential
    database_password: str = ""


def connect() -> psycopg.Connection:  # type: ignore[type-arg]
    # ruleid: releasegate.python.secrets.hardcoded-credential
    return psycopg.connect(host="db", user="app", password="Tr0ub4dor&3")


def connect_env() -> psycopg.Connection:  # type: ignore[type-arg]
    # ok: releasegate.python.secrets.hardcoded-credential
    return psycopg.connect(host="db", user="app", password=os.environ["PGPASSWORD"])


CONFIG = {
    # ruleid: releasegate.python.secrets.hardcoded-credential
    "client_secret": "f3a9c2e1b4d5",
    # ok: releasegate.python.secrets.hardcoded-credential
    "client_id": "releasegate-dashboard",
}


class ApiClient:
    def __init__(self) -> None:
        # ruleid: releasegate.python.secrets.hardcoded-credential
        self.auth_token = "ghp_R3aLt0k3nV4lu3"
        # ok: releasegate.python.secrets.hardcoded-credential
        self.auth_token = os.environ["API_AUTH_TOKEN"]


# Known limitation: a literal default passed to os.getenv()/os.environ.get() is not reported.
# todoruleid: releasegate.python.secrets.hardcoded-credential
STRIPE_WEBHOOK_KEY = os.getenv("STRIPE_WEBHOOK_KEY", "whsec_live_8f2k3j4h5g6")


# Parser tokens are not credentials.
# ok: releasegate.python.secrets.hardcoded-credential
split_token = "..."
# ok: releasegate.python.secrets.hardcoded-credential
DONE_TOKEN = "done."
