# accuracy: cwe=327 label=vulnerable trick=none framework=aiohttp
import os

from aiohttp import web
from Crypto.Cipher import ARC4

KEY = os.urandom(16)


async def obscure(request: web.Request) -> web.Response:
    data = await request.post()
    token = ARC4.new(KEY).encrypt(str(data.get("token", "")).encode())
    return web.json_response({"token": token.hex()})


app = web.Application()
app.router.add_post("/obscure", obscure)
