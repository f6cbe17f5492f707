"""The labelling loop against a real Label Studio: suggest -> import -> annotate -> export -> retrain --dry-run.

    python -m benchmarks.label_studio_roundtrip --label-studio /tmp/lsvenv/bin/label-studio \
        [--policy labels/seeds/docs/004_e8e6eb838ae425a6.txt] [--top 20] [--model clause-classifier:latest]

Label Studio lives in its own virtual environment (its pins clash with ours):
`python3 -m venv /tmp/lsvenv && /tmp/lsvenv/bin/pip install 'label-studio==1.23.*'`.
The script starts it on 127.0.0.1 on a free port with a temporary data folder and a user and legacy
API token of its own, creates a project with `clausewise label-config`, imports the tasks of
`clausewise suggest`, posts one annotation per task through the API (the prediction accepted; the
first taxonomy label where the model chose none), exports the project as JSON and JSON_MIN, reads
both back with training/new_labels.py and runs `clausewise retrain EXPORT --dry-run` on the full
export. The server is stopped by its PID (process group) at the end. Not part of `make test`: it
needs the separate environment, a stored model and a minute or two to start Label Studio.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.common import SEEDS
from benchmarks.local_server import free_port
from clausewise.model_dir import DEFAULT_TAG
from clausewise.taxonomy import load_taxonomy


class Api:
    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def __call__(self, method: str, path: str, body=None, raw: bool = False):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                payload = resp.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:500]!r}") from exc
        return payload if raw else json.loads(payload or b"null")


def wait_ready(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"label-studio exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as resp:
                if resp.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(2)
    raise RuntimeError(f"label-studio not ready after {timeout:.0f} s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own process group: the server and any children it started
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--label-studio",
        default=os.environ.get("LABEL_STUDIO_BIN", "/tmp/lsvenv/bin/label-studio"),
        help="the label-studio executable of its own virtual environment",
    )
    ap.add_argument("--policy", type=Path, default=SEEDS / "004_e8e6eb838ae425a6.txt")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--model", default=DEFAULT_TAG)
    ap.add_argument("--ready-timeout", type=float, default=300)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (tasks, exports, server log)")
    args = ap.parse_args()
    if not Path(args.label_studio).is_file():
        raise SystemExit(
            f"error: {args.label_studio} not found; install Label Studio in its own venv (see the docstring)"
        )

    from clausewise_cli.main import main as clausewise
    from training.new_labels import read_new_labels
    from training.suggest import FROM_NAME, TO_NAME, label_config

    work = Path(tempfile.mkdtemp(prefix="clausewise-ls-"))
    tasks_file = work / "tasks.json"
    if clausewise(
        ["suggest", str(args.policy), "--top", str(args.top), "--output", str(tasks_file), "--model", args.model]
    ):
        return 1
    tasks = json.loads(tasks_file.read_text())
    taxonomy = load_taxonomy()

    port, token, log = free_port(), secrets.token_hex(20), work / "label-studio.log"
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(work / "data"),
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    }
    for key in ("BENTOML_HOME", "VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(key, None)
    cmd = [
        args.label_studio,
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(work / "data"),
        "--username",
        "clausewise@example.com",
        "--password",
        secrets.token_hex(12),
        "--user-token",
        token,
        "--enable-legacy-api-token",
        "--log-level",
        "WARNING",
    ]
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=work, start_new_session=True)
    print(f"label-studio pid {proc.pid} on {url}, data in {work / 'data'}")
    try:
        print(f"ready after {wait_ready(url, proc, args.ready_timeout, log):.0f} s")
        api = Api(url, token)
        version = api("GET", "/api/version")
        print(f"label-studio {version.get('release') or version.get('label-studio-os-package', {}).get('version')}")
        project = api(
            "POST", "/api/projects", {"title": "clausewise round trip", "label_config": label_config(taxonomy)}
        )
        pid = project["id"]
        imported = api("POST", f"/api/projects/{pid}/import", tasks)
        print(
            f"project {pid}: imported {imported.get('task_count')} tasks, {imported.get('prediction_count')} predictions"
        )
        listed = api("GET", f"/api/tasks?project={pid}&page_size=1000")
        ls_tasks = listed["tasks"] if isinstance(listed, dict) else listed
        stored_versions = set()
        for t in ls_tasks:
            [pred] = api("GET", f"/api/predictions?task={t['id']}")
            stored_versions.add(pred["model_version"])
            result = pred["result"] or [
                {
                    "from_name": FROM_NAME,
                    "to_name": TO_NAME,
                    "type": "choices",
                    "value": {"choices": [taxonomy.names[0]]},
                }
            ]
            api("POST", f"/api/tasks/{t['id']}/annotations", {"result": result, "was_cancelled": False})
        print(f"annotated {len(ls_tasks)} tasks through the API; stored predictions name {sorted(stored_versions)}")
        exports = {}
        for kind in ("JSON", "JSON_MIN"):
            body = api("GET", f"/api/projects/{pid}/export?exportType={kind}", raw=True)
            exports[kind] = work / f"export_{kind.lower()}.json"
            exports[kind].write_bytes(body)
            rows, report, problems = read_new_labels([exports[kind]], taxonomy)
            print(
                f"{kind}: {len(json.loads(body))} tasks exported; read back {len(rows)} labelled clauses, "
                f"{len(problems)} problem(s) {[str(p) for p in problems][:3]}, format {report.formats}"
            )
        full = json.loads(exports["JSON"].read_text())
        # The export lists a task's predictions by id; each annotation carries the prediction it started from.
        versions = sorted({(a.get("prediction") or {}).get("model_version") for t in full for a in t["annotations"]})
        print(f"exported annotations start from predictions of {versions}; task data keys {sorted(full[0]['data'])}")
    finally:
        stop(proc)
        print(f"label-studio stopped (exit {proc.returncode})")
    rc = clausewise(["retrain", str(exports["JSON"]), "--dry-run", "--cv", "none"])
    print(f"clausewise retrain {exports['JSON'].name} --dry-run: exit {rc}")
    if args.keep:
        print(f"kept {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
