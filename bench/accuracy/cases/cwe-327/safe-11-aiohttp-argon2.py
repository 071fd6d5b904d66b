# accuracy: cwe=327 label=safe trick=slow-salted-hash framework=aiohttp
from aiohttp import web
from argon2 import PasswordHasher

HASHER = PasswordHasher()
USERS: dict[str, str] = {}


async def register(request: web.Request) -> web.Response:
    data = await request.post()
    USERS[str(data.get("user", ""))] = HASHER.hash(str(data.get("password", "")))
    return web.json_response({"ok": True})


app = web.Application()
app.router.add_post("/register", register)
