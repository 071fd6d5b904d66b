# accuracy: cwe=79 label=vulnerable trick=none framework=fastapi
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/items/{item_id}", response_class=HTMLResponse)
async def show_item(item_id: str):
    return HTMLResponse(content="<h2>Item " + item_id + "</h2>")
