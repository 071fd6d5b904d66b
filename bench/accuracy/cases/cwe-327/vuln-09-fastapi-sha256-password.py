# accuracy: cwe=327 label=vulnerable trick=fast-unsalted-hash framework=fastapi
import hashlib

from fastapi import FastAPI

app = FastAPI()
USERS: dict[str, str] = {}


@app.post("/users")
async def create_user(username: str, password: str):
    USERS[username] = hashlib.sha256(password.encode()).hexdigest()
    return {"user": username}
