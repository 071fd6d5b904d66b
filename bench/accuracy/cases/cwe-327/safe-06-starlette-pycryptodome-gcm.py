# accuracy: cwe=327 label=safe trick=aead-cipher framework=starlette
import os

from Crypto.Cipher import AES
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

KEY = os.urandom(16)


async def seal(request: Request) -> JSONResponse:
    payload = request.query_params.get("payload", "")
    cipher = AES.new(KEY, AES.MODE_GCM)
    sealed, tag = cipher.encrypt_and_digest(payload.encode())
    return JSONResponse({"sealed": (cipher.nonce + tag + sealed).hex()})


routes = [Route("/seal", seal)]
