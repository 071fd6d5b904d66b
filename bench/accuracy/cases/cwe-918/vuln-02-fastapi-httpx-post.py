# accuracy: cwe=918 label=vulnerable trick=collection-pick framework=fastapi
from fastapi import FastAPI
import httpx

app = FastAPI()


@app.get("/send-webhook")
async def send_webhook(url: str = ""):
    param = url
    values = ["https://status.example.com/health", param]
    bar = values[1]
    httpx.post(f"{bar}/hooks", json={"event": "ping"}, timeout=5)
    return {"status": "ok"}
