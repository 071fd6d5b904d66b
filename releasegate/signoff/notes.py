"""Sign-offs stored as git notes under ``refs/notes/releasegate``.

``git push origin refs/notes/releasegate`` publishes them; a CI checkout gets
them with ``git fetch origin refs/notes/releasegate:refs/notes/releasegate``.
Anyone who can push may write a note: a note is a claim, the signature inside
is the proof.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from releasegate.errors import GitError, ToolError
from releasegate.procs import ToolRunner, first_line
from releasegate.signoff.statement import MAX_ENVELOPE_BYTES

NOTES_REF = "refs/notes/releasegate"
FETCH_HINT = f"git fetch origin {NOTES_REF}:{NOTES_REF}"
_LISTED = re.compile(r"^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64})$")


def _git(tools: ToolRunner, root: Path, *args: str) -> tuple[int, bytes, bytes]:
    done = tools.run(["git", "-C", str(root), *args], tool="git")
    return done.returncode, done.stdout, done.stderr


def _ref_exists(tools: ToolRunner, root: Path) -> bool:
    code, _, _ = _git(tools, root, "rev-parse", "--verify", "--quiet", NOTES_REF)
    return code == 0


def noted_commits(tools: ToolRunner, root: Path) -> dict[str, str]:
    """Annotated commit -> note blob, for every sign-off note in the repository."""
    if not _ref_exists(tools, root):
        return {}
    code, out, err = _git(tools, root, "notes", f"--ref={NOTES_REF}", "list")
    if code != 0:
        raise ToolError(f"git notes list: failed: {first_line(err)}")
    notes: dict[str, str] = {}
    for line in out.decode("ascii", "replace").splitlines():
        match = _LISTED.match(line.strip())
        if match:
            notes[match[2]] = match[1]
    return notes


def read_blob(tools: ToolRunner, root: Path, blob: str) -> bytes:
    code, out, err = _git(tools, root, "cat-file", "-s", blob)
    if code != 0:
        raise ToolError(f"git cat-file: cannot read note {blob[:12]}: {first_line(err)}")
    size = int(out.strip() or b"0")
    if size > MAX_ENVELOPE_BYTES:
        raise ToolError(f"the sign-off note {blob[:12]} is larger than {MAX_ENVELOPE_BYTES} bytes")
    code, out, err = _git(tools, root, "cat-file", "blob", blob)
    if code != 0:
        raise ToolError(f"git cat-file: cannot read note {blob[:12]}: {first_line(err)}")
    return out


def read_note(tools: ToolRunner, root: Path, commit: str) -> bytes | None:
    """The sign-off note on ``commit``, or None."""
    blob = noted_commits(tools, root).get(commit)
    return None if blob is None else read_blob(tools, root, blob)


def write_note(tools: ToolRunner, root: Path, commit: str, envelope: str) -> None:
    """Attach ``envelope`` to ``commit`` (replacing an earlier sign-off note)."""
    with tempfile.TemporaryDirectory(prefix="releasegate-note-") as tmp:
        path = Path(tmp) / "signoff.json"
        path.write_text(envelope, encoding="utf-8")
        code, _, err = _git(
            tools, root, "notes", f"--ref={NOTES_REF}", "add", "-f", "-F", str(path), commit
        )
    if code != 0:
        raise GitError(f"git notes add: failed: {first_line(err)}")
