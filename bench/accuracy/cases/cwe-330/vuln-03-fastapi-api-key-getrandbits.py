# accuracy: cwe=330 label=vulnerable trick=none framework=fastapi
import random

from fastapi import FastAPI

app = FastAPI()


@app.post("/keys")
async def create_key(owner: str):
    api_key = "%032x" % random.getrandbits(128)
    return {"owner": owner, "api_key": api_key}
