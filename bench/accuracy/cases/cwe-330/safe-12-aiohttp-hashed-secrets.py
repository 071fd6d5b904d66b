# accuracy: cwe=330 label=safe trick=hashed-secure-random framework=aiohttp
import hashlib
import secrets

from aiohttp import web


async def new_session(request: web.Request) -> web.Response:
    user = request.query.get("user", "")
    session_token = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    return web.json_response({"user": user, "session_token": session_token})


app = web.Application()
app.router.add_post("/session", new_session)
