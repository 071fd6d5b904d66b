# accuracy: cwe=327 label=safe trick=slow-salted-hash framework=fastapi
import hashlib
import os

from fastapi import FastAPI

app = FastAPI()
ACCOUNTS: dict[str, bytes] = {}


@app.post("/signup")
async def signup(username: str, password: str):
    salt = os.urandom(16)
    ACCOUNTS[username] = salt + hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return {"created": username}
