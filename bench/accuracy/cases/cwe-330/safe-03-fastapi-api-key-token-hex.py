# accuracy: cwe=330 label=safe trick=secrets-module framework=fastapi
import secrets

from fastapi import FastAPI

app = FastAPI()


@app.post("/keys")
async def create_key(owner: str):
    api_key = secrets.token_hex(16)
    return {"owner": owner, "api_key": api_key}
