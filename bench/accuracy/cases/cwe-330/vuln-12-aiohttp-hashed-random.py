# accuracy: cwe=330 label=vulnerable trick=hashed-weak-random framework=aiohttp
import hashlib
import random

from aiohttp import web


async def new_session(request: web.Request) -> web.Response:
    user = request.query.get("user", "")
    session_token = hashlib.sha256(str(random.random()).encode()).hexdigest()
    return web.json_response({"user": user, "session_token": session_token})


app = web.Application()
app.router.add_post("/session", new_session)
