# accuracy: cwe=327 label=safe trick=aead-cipher framework=aiohttp
from aiohttp import web
from cryptography.fernet import Fernet

FERNET = Fernet(Fernet.generate_key())


async def obscure(request: web.Request) -> web.Response:
    data = await request.post()
    token = FERNET.encrypt(str(data.get("token", "")).encode())
    return web.json_response({"token": token.decode()})


app = web.Application()
app.router.add_post("/obscure", obscure)
