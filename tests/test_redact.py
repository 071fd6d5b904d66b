"""Secrets are masked in every form they are echoed in, before any truncation."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from releasegate.forge.client import GitHubClient, GitHubConfig, Secret
from releasegate.redact import MASK, redact

TOKEN = "ghs_0123456789abcdefABCDEF0123456789abcd"
PLAIN = "s3cr3t-value-of-the-pipeline"


@pytest.mark.parametrize("pad", ["", "x", "xy", "user:", "x-access-token:"])
def test_a_base64_echo_of_a_secret_is_masked_at_any_alignment(pad: str) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        echoed = encode(f"{pad}{PLAIN}".encode()).decode()
        text = f"Authorization header was: {echoed} (end)"
        masked = redact(text, [PLAIN])
        assert PLAIN not in masked
        assert echoed not in masked
        assert MASK in masked
        # At most the encoded pad and one partial group at each edge survive.
        left = masked.removeprefix("Authorization header was: ").removesuffix(" (end)")
        assert len(left.replace(MASK, "")) <= len(encode(pad.encode())) + 8


def test_the_plain_and_percent_encoded_forms_are_masked() -> None:
    value = "p@ss/w:rd with space"
    text = f"a={value} b={quote(value, safe='')}"
    assert redact(text, [value]) == f"a={MASK} b={MASK}"


@pytest.mark.parametrize(
    "leak",
    [
        TOKEN,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-123456789012-abcdefghij",
        "glpat-abcdefghij0123456789",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r",
    ],
)
def test_credential_shapes_are_masked_without_knowing_them(leak: str) -> None:
    assert leak not in redact(f"the value is {leak}.")


def test_authorization_headers_url_passwords_and_private_keys_are_masked() -> None:
    text = (
        "Authorization: Bearer abc.def-ghi\n"
        "authorization=token 12345678\n"
        "https://user:hunter22@example.com/x\n"
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3Nza\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    masked = redact(text)
    for leak in ("abc.def-ghi", "12345678", "hunter22", "AAAAB3Nza"):
        assert leak not in masked
    assert "https://user:" in masked  # the rest stays readable


def test_short_values_do_not_mask_ordinary_text() -> None:
    assert redact("a b c", ["a"]) == "a b c"


def test_the_client_masks_a_token_before_it_shortens_a_message() -> None:
    token = Secret(TOKEN.replace("ghs_", "tok-"))  # not a known shape: only the value layer
    config = GitHubConfig(api_url="https://api.github.com", owner="o", repo="r", token=token)
    client = GitHubClient(config)
    try:
        for cut in range(150, 200, 7):
            message = "x" * cut + f" echo: {token.reveal()} and more"
            line = client._line(message)
            assert token.reveal()[:8] not in line, cut
            assert len(line) <= 200
        echoed = base64.b64encode(f"x-access-token:{token.reveal()}".encode()).decode()
        line = client._line("Basic " + echoed)
        before, after = line.split(MASK)
        # What is left is the encoded "x-access-token:" and at most one edge group.
        assert len(before) <= len("Basic ") + 20 + 4
        assert len(after) <= 4
    finally:
        client.close()
