# accuracy: cwe=327 label=safe trick=non-secret-use framework=fastapi
import hashlib

from fastapi import FastAPI

app = FastAPI()
BLOBS: dict[str, str] = {}


@app.post("/blobs")
async def put_blob(content: str):
    blob_id = hashlib.sha1(b"blob " + content.encode(), usedforsecurity=False).hexdigest()
    BLOBS[blob_id] = content
    return {"id": blob_id}
