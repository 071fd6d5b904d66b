# accuracy: cwe=614 label=vulnerable trick=none framework=fastapi
from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/token")
async def issue_token(user: str, response: Response):
    response.set_cookie(key="access_token", value=f"token-for-{user}")
    return {"status": "issued"}
