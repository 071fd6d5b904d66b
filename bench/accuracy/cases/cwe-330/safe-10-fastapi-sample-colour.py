# accuracy: cwe=330 label=safe trick=non-secret-use framework=fastapi
import random

from fastapi import FastAPI

app = FastAPI()

COLOURS = ["teal", "coral", "indigo", "amber", "olive"]


@app.get("/avatars/{user_id}/colour")
async def avatar_colour(user_id: int):
    return {"user_id": user_id, "colour": random.choice(COLOURS)}
