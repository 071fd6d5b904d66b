# Test cases for releasegate.python.injection.shell-with-non-literal-command
import os
import shlex
import subprocess

BACKUP_CMD = "pg_dump app > /backups/app.sql"


def backup(target: str) -> None:
    # ruleid: releasegate.python.injection.shell-with-non-literal-command
    os.system("pg_dump app > " + target)
    # ok: releasegate.python.injection.shell-with-non-literal-command
    os.system("pg_dump app > /backups/app.sql")
    # ok: releasegate.python.injection.shell-with-non-literal-command
    os.system(BACKUP_CMD)


def convert(src: str, dst: str) -> None:
    # ruleid: releasegate.python.injection.shell-with-non-literal-command
    subprocess.run(f"convert {src} {dst}", shell=True, check=True)
    # ok: releasegate.python.injection.shell-with-non-literal-command
    subprocess.run(["convert", src, dst], check=True)
    # ok: releasegate.python.injection.shell-with-non-literal-command
    subprocess.run(shlex.join(["convert", src, dst]), shell=True, check=True)


def count(pattern: str) -> str:
    # ruleid: releasegate.python.injection.shell-with-non-literal-command
    return os.popen("grep -c %s /var/log/app.log" % pattern).read()


def count_quoted(pattern: str) -> str:
    # ok: releasegate.python.injection.shell-with-non-literal-command
    return os.popen("grep -c " + shlex.quote(pattern)).read()


def run_user_cmd(cmd: str) -> None:
    # ruleid: releasegate.python.injection.shell-with-non-literal-command
    subprocess.Popen(cmd, shell=True)
    # ok: releasegate.python.injection.shell-with-non-literal-command
    subprocess.Popen(shlex.split(cmd))
