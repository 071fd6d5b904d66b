"""Talking to code forges. Only GitHub's REST API for now (``releasegate.forge.client``
for the transport, ``releasegate.forge.github`` for the typed endpoints)."""
