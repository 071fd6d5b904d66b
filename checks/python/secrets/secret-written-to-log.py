# Test cases for releasegate.python.secrets.secret-written-to-log
import logging
import os

logger = logging.getLogger(__name__)


def login(username: str, password: str) -> None:
    # ruleid: releasegate.python.secrets.secret-written-to-log
    logger.info("login attempt user=%s password=%s", username, password)
    # ok: releasegate.python.secrets.secret-written-to-log
    logger.info("login attempt user=%s", username)
    # ok: releasegate.python.secrets.secret-written-to-log
    logger.debug("password length %d", len(password))


def refresh(client: object, api_token: str) -> None:
    msg = f"refreshing with token {api_token}"
    # ruleid: releasegate.python.secrets.secret-written-to-log
    logging.warning(msg)
    # ok: releasegate.python.secrets.secret-written-to-log
    logging.warning("refreshing with token %s...", api_token[:4])
    # ruleid: releasegate.python.secrets.secret-written-to-log
    print("client secret:", client.client_secret)  # type: ignore[attr-defined]
    # ok: releasegate.python.secrets.secret-written-to-log
    print("client id:", client.client_id)  # type: ignore[attr-defined]


def startup() -> None:
    key = os.environ["STRIPE_API_KEY"]
    # ruleid: releasegate.python.secrets.secret-written-to-log
    logger.debug("stripe key loaded: %s", key)
    # ok: releasegate.python.secrets.secret-written-to-log
    logger.debug("stripe key configured: %s", key is not None)
    # ok: releasegate.python.secrets.secret-written-to-log
    logger.info("password reset requested")


class Service:
    def __init__(self, password: str) -> None:
        self.logger = logging.getLogger("svc")
        self.password = password

    def connect(self) -> None:
        # ruleid: releasegate.python.secrets.secret-written-to-log
        self.logger.error("connect failed for password %r", self.password)
        # ok: releasegate.python.secrets.secret-written-to-log
        self.logger.error("connect failed for user %r", "svc")
