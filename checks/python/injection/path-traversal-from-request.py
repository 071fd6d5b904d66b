# Test cases for releasegate.python.injection.path-traversal-from-request
import os
from pathlib import Path

from django.http import FileResponse, HttpRequest
from fastapi import FastAPI
from fastapi.responses import FileResponse as StarletteFileResponse
from flask import Flask, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
BASE = "/srv/reports"
UPLOADS = Path("/srv/uploads")


@app.route("/report")
def report():
    name = request.args.get("name", "")
    # ruleid: releasegate.python.injection.path-traversal-from-request
    with open(os.path.join(BASE, name)) as fh:
        body = fh.read()
    # ok: releasegate.python.injection.path-traversal-from-request
    with open(os.path.join(BASE, os.path.basename(name))) as fh:
        body = fh.read()
    return body


@app.route("/download")
def download():
    name = request.args["file"]
    # ruleid: releasegate.python.injection.path-traversal-from-request
    return send_file(BASE + "/" + name)


@app.route("/download-safe")
def download_safe():
    name = request.args["file"]
    # ok: releasegate.python.injection.path-traversal-from-request
    return send_from_directory(BASE, name)


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["doc"]
    # ruleid: releasegate.python.injection.path-traversal-from-request
    f.save(os.path.join("/srv/uploads", f.filename or "upload"))
    # ok: releasegate.python.injection.path-traversal-from-request
    f.save(os.path.join("/srv/uploads", secure_filename(f.filename or "upload")))
    return "ok"


def django_avatar(request: HttpRequest) -> FileResponse:
    user_file = request.GET["avatar"]
    # ruleid: releasegate.python.injection.path-traversal-from-request
    return FileResponse(open("/srv/avatars/" + user_file, "rb"))


def django_avatar_safe(request: HttpRequest) -> FileResponse:
    user_file = request.GET["avatar"]
    # ok: releasegate.python.injection.path-traversal-from-request
    return FileResponse(open("/srv/avatars/" + os.path.basename(user_file), "rb"))


@api.get("/notes/{note}")
async def read_note(note: str) -> str:
    path = UPLOADS / note
    # ruleid: releasegate.python.injection.path-traversal-from-request
    return path.read_text()


@api.get("/notes-safe/{note}")
async def read_note_safe(note: str) -> str:
    path = (UPLOADS / note).resolve()
    if not path.is_relative_to(UPLOADS):
        raise ValueError("outside base")
    # ok: releasegate.python.injection.path-traversal-from-request
    return path.read_text()


@api.get("/files/{name}")
async def get_file(name: str) -> StarletteFileResponse:
    # ruleid: releasegate.python.injection.path-traversal-from-request
    return StarletteFileResponse(f"/srv/files/{name}")


def static_file() -> str:
    # ok: releasegate.python.injection.path-traversal-from-request
    with open(os.path.join(BASE, "index.html")) as fh:
        return fh.read()


@app.route("/report-checked")
def report_checked():
    name = request.args.get("name", "")
    path = os.path.realpath(os.path.join(BASE, name))
    if not path.startswith(BASE + os.sep):
        return "forbidden", 403
    # Known limitation: a str.startswith() containment check is not recognised; prefer
    # Path.resolve().is_relative_to(BASE) or send_from_directory().
    # todook: releasegate.python.injection.path-traversal-from-request
    with open(path) as fh:
        return fh.read()


async def aiohttp_report(request):
    # aiohttp: the query string and the URL's match_info are request data.
    name = request.query.get("name", "")
    # ruleid: releasegate.python.injection.path-traversal-from-request
    with open(os.path.join(BASE, name)) as fh:
        body = fh.read()
    # ok: releasegate.python.injection.path-traversal-from-request
    with open(os.path.join(BASE, os.path.basename(name))) as fh:
        body = fh.read()
    return body


async def aiohttp_upload(request):
    folder = request.match_info["folder"]
    # ruleid: releasegate.python.injection.path-traversal-from-request
    listing = (UPLOADS / folder).read_text()
    # ok: releasegate.python.injection.path-traversal-from-request
    listing += (UPLOADS / "fixed").read_text()
    return listing
