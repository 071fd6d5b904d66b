# Test cases for releasegate.python.transport.debug-mode-enabled
import asyncio
import os

from flask import Flask

# ruleid: releasegate.python.transport.debug-mode-enabled
DEBUG = True

# ok: releasegate.python.transport.debug-mode-enabled
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"

# ok: releasegate.python.transport.debug-mode-enabled
DEBUG = False


class ProductionConfig:
    # ruleid: releasegate.python.transport.debug-mode-enabled
    DEBUG = True


class DevelopmentConfig:
    # ok: releasegate.python.transport.debug-mode-enabled
    DEBUG = True


app = Flask(__name__)
# ruleid: releasegate.python.transport.debug-mode-enabled
app.debug = True
# ruleid: releasegate.python.transport.debug-mode-enabled
app.config["DEBUG"] = True
# ok: releasegate.python.transport.debug-mode-enabled
app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"


async def main() -> None:
    await asyncio.sleep(0)


if __name__ == "__main__":
    # ruleid: releasegate.python.transport.debug-mode-enabled
    app.run(host="0.0.0.0", port=5000, debug=True)
    # ok: releasegate.python.transport.debug-mode-enabled
    app.run(host="127.0.0.1", port=5000, debug=False)
    # ok: releasegate.python.transport.debug-mode-enabled
    asyncio.run(main(), debug=True)
