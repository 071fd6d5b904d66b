# Test cases for releasegate.python.redirect-ssrf.open-redirect
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect as dj_redirect
from django.urls import translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from aiohttp import web
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
api = FastAPI()
ALLOWED_TARGETS = {"/dashboard", "/settings"}


@app.route("/login", methods=["POST"])
def login():
    nxt = request.args.get("next", "/")
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    return redirect(nxt)


@app.route("/login-allowlist", methods=["POST"])
def login_allowlist():
    nxt = request.args.get("next", "/")
    if nxt in ALLOWED_TARGETS:
        # ok: releasegate.python.redirect-ssrf.open-redirect
        return redirect(nxt)
    # ok: releasegate.python.redirect-ssrf.open-redirect
    return redirect(url_for("index"))


@app.route("/go")
def go():
    page = request.args.get("page", "index")
    # ok: releasegate.python.redirect-ssrf.open-redirect
    return redirect(url_for(page))


@app.route("/docs")
def docs():
    topic = request.args.get("topic", "")
    # ok: releasegate.python.redirect-ssrf.open-redirect
    return redirect(f"https://docs.example.com/{topic}")


def django_login(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("next", "/")
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    return HttpResponseRedirect(target)


def django_login_checked(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    # ok: releasegate.python.redirect-ssrf.open-redirect
    return dj_redirect(target)


def django_logout(request: HttpRequest) -> HttpResponse:
    resp = HttpResponse(status=302)
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    resp["Location"] = request.GET["return_to"]
    return resp


@api.get("/out")
async def out(url: str) -> RedirectResponse:
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    return RedirectResponse(url)


@api.get("/home")
async def home() -> RedirectResponse:
    # ok: releasegate.python.redirect-ssrf.open-redirect
    return RedirectResponse("/dashboard")


def django_login_unchecked(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("next", "/")
    # Known limitation: calling the check without acting on its result still counts as a check.
    url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    # todoruleid: releasegate.python.redirect-ssrf.open-redirect
    return HttpResponseRedirect(target)


def django_set_language(request: HttpRequest) -> HttpResponse:
    # Django's own set_language view: the target is checked by keyword before use.
    next_url = request.POST.get("next", request.GET.get("next"))
    if (next_url or request.accepts("text/html")) and not url_has_allowed_host_and_scheme(
        url=next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    next_trans = translate_url(next_url, request.POST.get("language", "en"))
    # ok: releasegate.python.redirect-ssrf.open-redirect
    return HttpResponseRedirect(next_trans)


async def aiohttp_sso_return(request: web.Request) -> web.Response:
    target = request.query.get("next", "/")
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    raise web.HTTPFound(location=target)


async def aiohttp_logout(request: web.Request) -> web.Response:
    target = request.query.get("next", "/")
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    return web.HTTPSeeOther(target)


async def aiohttp_home(request: web.Request) -> web.Response:
    # ok: releasegate.python.redirect-ssrf.open-redirect
    raise web.HTTPFound(location="/home")


def django_checks_another_value(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", "/")
    referer = request.META.get("HTTP_REFERER", "/")
    if referer and not url_has_allowed_host_and_scheme(url=referer, allowed_hosts=None):
        referer = "/"
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    return HttpResponseRedirect(next_url)


def django_translated_target(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("next", "/")
    # ruleid: releasegate.python.redirect-ssrf.open-redirect
    return HttpResponseRedirect(translate_url(target, "de"))
