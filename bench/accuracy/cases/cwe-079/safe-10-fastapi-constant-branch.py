# accuracy: cwe=79 label=safe trick=constant-branch framework=fastapi
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/items/{item_id}", response_class=HTMLResponse)
async def show_item(item_id: str):
    num = 86
    if 7 * 42 - num > 200:
        label = "featured"
    else:
        label = item_id
    return HTMLResponse(content="<h2>Item " + label + "</h2>")
