# accuracy: cwe=327 label=vulnerable trick=none framework=fastapi
import hashlib

from fastapi import FastAPI

app = FastAPI()
ACCOUNTS: dict[str, str] = {}


@app.post("/signup")
async def signup(username: str, password: str):
    ACCOUNTS[username] = hashlib.new("md5", password.encode()).hexdigest()
    return {"created": username}
