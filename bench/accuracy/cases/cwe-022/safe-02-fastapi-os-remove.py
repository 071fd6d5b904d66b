# accuracy: cwe=22 label=safe trick=collection-pick framework=fastapi
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/delete-upload")
async def delete_upload(name: str = ""):
    param = name
    values = [param, "readme.txt"]
    bar = values[1]
    os.remove("/srv/uploads/" + bar)
    return {"status": "ok"}
