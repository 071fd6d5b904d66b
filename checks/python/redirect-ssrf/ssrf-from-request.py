# Test cases for releasegate.python.redirect-ssrf.ssrf-from-request
import urllib.request
from urllib.parse import urlparse

import httpx
import requests
from django.http import HttpRequest, JsonResponse
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}


@app.route("/preview")
def preview():
    url = request.args["url"]
    # ruleid: releasegate.python.redirect-ssrf.ssrf-from-request
    r = requests.get(url, timeout=5)
    return r.text


@app.route("/preview-allowed")
def preview_allowed():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        return "forbidden", 403
    # ok: releasegate.python.redirect-ssrf.ssrf-from-request
    r = requests.get(url, timeout=5, allow_redirects=False)
    return r.text


@app.route("/user/<uid>")
def user(uid: str):
    # ok: releasegate.python.redirect-ssrf.ssrf-from-request
    r = requests.get(f"https://api.example.com/users/{uid}", timeout=5)
    return r.text


@app.route("/webhook", methods=["POST"])
def webhook():
    target = request.get_json()["callback"]
    # ruleid: releasegate.python.redirect-ssrf.ssrf-from-request
    httpx.post(target, json={"status": "ok"})
    # ok: releasegate.python.redirect-ssrf.ssrf-from-request
    httpx.post("https://hooks.example.com/notify", json={"target": target})
    return "ok"


def fetch_feed(request: HttpRequest) -> JsonResponse:
    host = request.GET["host"]
    # ruleid: releasegate.python.redirect-ssrf.ssrf-from-request
    body = urllib.request.urlopen(f"https://{host}/feed.xml", timeout=5).read()
    # ok: releasegate.python.redirect-ssrf.ssrf-from-request
    body = urllib.request.urlopen("https://feeds.example.com/feed.xml", timeout=5).read()
    return JsonResponse({"size": len(body)})


@api.get("/proxy")
async def proxy(target: str) -> dict[str, int]:
    async with httpx.AsyncClient() as client:
        # ruleid: releasegate.python.redirect-ssrf.ssrf-from-request
        r = await client.get(target)
        # ok: releasegate.python.redirect-ssrf.ssrf-from-request
        r = await client.get("https://status.example.com/", params={"q": target})
    return {"status": r.status_code}


SHARED_SESSION = requests.Session()


@app.route("/fetch")
def fetch():
    # A module-level requests.Session() is recognised too.
    # ruleid: releasegate.python.redirect-ssrf.ssrf-from-request
    return SHARED_SESSION.get(request.args["url"], timeout=5).text


async def aiohttp_fetch(request):
    # aiohttp: a form read with ``await request.post()`` is request data.
    form = await request.post()
    # ruleid: releasegate.python.redirect-ssrf.ssrf-from-request
    requests.get(form["url"], timeout=5)
    # ok: releasegate.python.redirect-ssrf.ssrf-from-request
    requests.get("https://status.example.com/health", timeout=5)
