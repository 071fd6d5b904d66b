# accuracy: cwe=330 label=vulnerable trick=none framework=fastapi
import random
import string

from fastapi import FastAPI

app = FastAPI()


@app.post("/users/{user_id}/temporary-password")
async def temporary_password(user_id: int):
    password = "".join(random.sample(string.ascii_letters + string.digits, 12))
    return {"user_id": user_id, "temporary_password": password}
