# accuracy: cwe=614 label=safe trick=secure-flags framework=fastapi
from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/token")
async def issue_token(user: str, response: Response):
    response.set_cookie(key="access_token", value=f"token-for-{user}", secure=True, httponly=True)
    return {"status": "issued"}
