# accuracy: cwe=327 label=vulnerable trick=none framework=starlette
import os

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

KEY = os.urandom(16)


async def seal(request: Request) -> JSONResponse:
    payload = request.query_params.get("payload", "")
    sealed = AES.new(KEY, AES.MODE_ECB).encrypt(pad(payload.encode(), 16))
    return JSONResponse({"sealed": sealed.hex()})


routes = [Route("/seal", seal)]
