#!/usr/bin/env python3
"""Renders a real migration's report.html in headless Chromium and fails when the page is broken.

1. Chromium: /usr/bin/chromium, installed with `apt-get install -y chromium` when missing.
2. A run between two `brickport emulator`s: the source seeded `typical`, plus a job and a
   cluster policy whose names carry HTML; in the target, a policy of that name that differs
   (a conflict) and one job creation refused with an error message that carries HTML (a
   failure). `brickport migrate --phase 1`, then `brickport migrate`: two runs in the history.
3. Its report.html rendered at 1280 px: `--dump-dom` (the DOM once the page's filter script has
   run) and `--screenshot`, Chromium's log on stderr.
4. Fails on: any console message (the page writes none, so any is an exception, a refusal of
   its Content-Security-Policy — something loaded or run that should not be — or worse); a DOM
   without the dashboard (cards, phases, action meters, one bar per kind) or without the
   tables' rows (as many as report.json and `brickport status` say); filters the script did
   not switch on; an HTML name or message that became an element instead of text; a
   screenshot of one colour, or without the dashboard's colours.

Before all that it checks its checks: a blank page, a page whose script throws, and the real
report with a name pasted in unescaped must each fail them.

Options: --bin PATH (the brickport binary; default: `cargo build`), --screenshot PATH (keep the
screenshot there, e.g. docs/report.png), --keep DIR (keep the run directory and renders).
"""

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.request
import zlib
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
]
HOSTILE_JOB = "<img src=x onerror=\"console.error('a job name ran')\"> Nightly & Weekly"
HOSTILE_POLICY = "<marquee>Gold</marquee> & <script>console.error('a policy name ran')</script>"
HOSTILE_GROUP = "R&D <i>team</i>"
HOSTILE_ERROR = "<script>console.error('an error message ran')</script> quota & limits"
# The dashboard's colours (style.css): the page header, created, pending, failed.
COLOURS = {"header": (0x16, 0x21, 0x2E), "created": (0x2E, 0x8B, 0x57),
           "pending": (0xE8, 0x83, 0x3A), "failed": (0xD6, 0x45, 0x41)}


class CheckFailed(Exception):
    pass


def fail(msg):
    raise CheckFailed(msg)


def ensure_chromium():
    if os.path.exists(CHROMIUM):
        return
    if os.geteuid() != 0:
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    print("== installing chromium (apt-get)", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def chromium(url, *extra):
    """Runs headless Chromium on `url`; returns (stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        r = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                           capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        fail(f"chromium exited with {r.returncode}: {r.stderr[-2000:]}")
    return r.stdout, r.stderr


def console_messages(log):
    """The page's console lines in Chromium's log (`...:CONSOLE:12] "text", source: ...`)."""
    out = [m.group(1) for m in re.finditer(r":CONSOLE[^\]]*\] (.*)", log)]
    out += [line for line in log.splitlines() if "Uncaught" in line and ":CONSOLE" not in line]
    return out


def check_console(log):
    msgs = console_messages(log)
    if msgs:
        shown = " | ".join(m[:240] for m in msgs[:3])
        fail(f"the page wrote to the console ({len(msgs)} messages): {shown}")


# ---- the DOM ---------------------------------------------------------------------------------

class Dom(HTMLParser):
    """The elements (tag, attributes, ancestors' ids) and texts of a dumped DOM."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.texts, self._open = [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        sections = [e[1].get("id") for e in self._open if e[0] == "section"]
        self.elements.append((tag, a, sections[-1] if sections else None))
        if tag not in ("meta", "col", "input", "br", "img", "link", "hr", "wbr", "source"):
            self._open.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        self.texts.append(data)

    def find(self, tag=None, section=None, cls=None, attr=None):
        out = []
        for t, a, sec in self.elements:
            if tag and t != tag or section and sec != section:
                continue
            if cls and cls not in (a.get("class") or "").split():
                continue
            if attr and attr not in a:
                continue
            out.append((t, a))
        return out


def check_dom(text, expect):
    """The rendered page has its dashboard and every row it should, made by its script."""
    dom = Dom(text)
    count = lambda **k: len(dom.find(**k))
    if not dom.find(attr="id") or not any(a.get("id") == "verdict" for _, a in dom.find(tag="span")):
        fail("no verdict badge: the page is not a report (blank?)")
    checks = [
        ("outcome cards", count(attr="data-count", section="overview"), 8),
        ("phase meters", count(cls="phase", section="completion"), expect["phases"]),
        ("manual-action meters", count(cls="action", section="completion"), expect["groups"]),
        ("rows of the kinds table", count(tag="tr", section="kinds", attr="data-kind"),
         expect["kinds"] + 1),
        ("bars of the kinds table", count(tag="svg", section="kinds", cls="bar"), expect["kinds"] + 1),
        ("problem rows", count(tag="tr", section="problems", attr="data-row"), expect["problems"]),
        ("dropped rows", count(tag="tr", section="dropped", attr="data-row"), expect["dropped"]),
        ("manual-action rows", count(tag="tr", section="actions", attr="data-row"), expect["actions"]),
        ("runs", count(tag="tr", section="history", attr="data-run"), expect["runs"]),
    ]
    for what, got, want in checks:
        if got != want:
            fail(f"{what}: {got} in the rendered page, {want} expected")
    if count(tag="rect") < expect["kinds"]:
        fail("the SVG bars have no rectangles")
    # The script ran: it shows the filters and writes the row counts.
    hidden = [a for _, a in dom.find(cls="filters") if "hidden" in a]
    if hidden or not dom.find(cls="filters"):
        fail("the filters are still hidden: the page's script did not run")
    body = "".join(dom.texts)
    for section, n in (("problems", expect["problems"]), ("actions", expect["actions"])):
        if f"{n} rows" not in body:
            fail(f"the {section} filter's count ({n} rows) is missing: the script did not finish")
    return dom


def check_escaping(dom):
    """The HTML inside names and messages is shown as text, never made into elements."""
    scripts = dom.find(tag="script")
    injected = [t for t in ("img", "marquee", "i") if dom.find(tag=t)]
    if len(scripts) != 1 or injected:
        fail("a name or message became an element: the page does not escape its text")
    body = "".join(dom.texts)
    for s in (HOSTILE_JOB, HOSTILE_POLICY, HOSTILE_ERROR, HOSTILE_GROUP):
        if s not in body:
            fail(f"{s!r} is not shown as text")


# ---- the screenshot --------------------------------------------------------------------------

def png_pixels(data):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("the screenshot is not a PNG")
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, colour, _, _, interlace = head
    if depth != 8 or colour not in (2, 6) or interlace:
        fail(f"unexpected PNG format (depth {depth}, colour type {colour})")
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def check_png(path, want_colours):
    width, height, bpp, rows = png_pixels(Path(path).read_bytes())
    seen = set()
    for line in rows[::2]:
        for x in range(0, len(line), bpp * 2):
            seen.add(tuple(line[x:x + 3]))
    if len(seen) < 2:
        fail(f"the screenshot is one colour {seen}: a blank page")
    if len(seen) < 50:
        fail(f"the screenshot has {len(seen)} colours: hardly anything is drawn")
    missing = [n for n in want_colours if COLOURS[n] not in seen]
    if missing:
        fail(f"the screenshot lacks the dashboard's colours: {', '.join(missing)}")
    return width, height, len(seen)


# Sets two filters the way a reader would (the script goes in a copy of the page, without the
# page's Content-Security-Policy, which would refuse it).
FILTERING = """<script>
function set(sel, value) {
  var c = document.querySelector(sel); c.value = value; c.dispatchEvent(new Event("input"));
}
set('#problems select[data-filter="outcome"]', "failed");
set('#actions input[data-filter="text"]', "UNPAUSE");
</script></body>"""


def check_filters(page, work, expect):
    """A reader's filters narrow the tables: failures only; actions about unpausing."""
    copy = work / "filtered.html"
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text())
    copy.write_text(text.replace("</body>", FILTERING, 1))
    dom_text, log = chromium(copy.as_uri(), "--dump-dom")
    check_console(log)
    dom = Dom(dom_text)
    for section, attr, want in (("problems", "data-outcome", expect["failed"]),
                                ("actions", None, expect["unpause"])):
        rows = dom.find(tag="tr", section=section, attr="data-row")
        shown = [a for _, a in rows if "hidden" not in a]
        if len(shown) != want or attr and any(a[attr] != "failed" for a in shown):
            fail(f"filtering {section}: {len(shown)} rows shown, {want} expected")
        if f"{want} of {len(rows)} rows match" not in "".join(dom.texts):
            fail(f"filtering {section}: no '{want} of {len(rows)} rows match'")


def render_and_check(page, expect, shot, colours):
    """Every check of one page: console, DOM, escaping, screenshot."""
    url = Path(page).resolve().as_uri()
    dom_text, log = chromium(url, "--dump-dom")
    check_console(log)
    dom = check_dom(dom_text, expect)
    check_escaping(dom)
    _, log = chromium(url, "--window-size=1280,1500", f"--screenshot={shot}")
    check_console(log)
    return check_png(shot, colours)


def self_test(work, report, expect):
    """The checks fail on broken pages: blank, throwing, and unescaped."""
    blank = work / "blank.html"
    blank.write_text("<!doctype html><title>blank</title>")
    throws = work / "throws.html"
    throws.write_text("<!doctype html><p>hi</p><script>notDefined();</script>")
    unescaped = work / "unescaped.html"
    unescaped.write_text(report.read_text().replace(
        "<main class=\"wrap\">", "<main class=\"wrap\"><p>" + HOSTILE_JOB + "</p>", 1))
    cases = [
        ("a blank page", lambda: check_dom(chromium(blank.as_uri(), "--dump-dom")[0], expect)),
        ("a blank screenshot", lambda: (chromium(blank.as_uri(), "--window-size=1280,600",
                                                 f"--screenshot={work / 'blank.png'}"),
                                        check_png(work / "blank.png", []))),
        ("a page whose script throws", lambda: check_console(chromium(throws.as_uri(), "--dump-dom")[1])),
        ("a name pasted unescaped", lambda: check_console(chromium(unescaped.as_uri(), "--dump-dom")[1])),
    ]
    for what, run in cases:
        try:
            run()
        except CheckFailed as e:
            print(f"   ok: {what} fails the checks ({str(e).splitlines()[0]})", file=sys.stderr)
            continue
        fail(f"self-test: {what} passed the checks; they cannot see a broken page")


# ---- the run ---------------------------------------------------------------------------------

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def api(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": "Bearer check-report-html", "Content-Type": "application/json"})
    with OPENER.open(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def emulator(binary, *args):
    p = subprocess.Popen([binary, "emulator", "--rate-limits", "off", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = p.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        p.kill()
        fail(f"the emulator did not print its URL (got {url!r})")
    return p, url


def prepare(source, target):
    """Before the first run: a job and a policy whose names carry HTML, the policy in conflict
    with the target's, and the source's account groups assigned to the target."""
    api(source, "POST", "/api/2.2/jobs/create", {
        "name": HOSTILE_JOB,
        "schedule": {"quartz_cron_expression": "0 0 3 * * ?", "timezone_id": "UTC",
                     "pause_status": "UNPAUSED"},
        "tasks": [{"task_key": "main", "notebook_task": {"notebook_path": "/Shared/none"}}],
    })
    for base, value in ((source, "14.3.x-scala2.12"), (target, "13.3.x-scala2.12")):
        api(base, "POST", "/api/2.0/policies/clusters/create", {
            "name": HOSTILE_POLICY,
            "definition": json.dumps({"spark_version": {"type": "fixed", "value": value}}),
        })
    groups = api(source, "GET", "/api/2.0/preview/scim/v2/Groups?count=1000")["Resources"]
    account = [{"displayName": g["displayName"]} for g in groups
               if g.get("meta", {}).get("resourceType") == "Group"]
    if account:
        api(target, "POST", "/_emulator/account-groups", account)


def prepare_second(source, target):
    """Before the second run: a new user whose creation the target refuses (an error message
    that carries HTML), in a new group (created without that member: a dropped reference),
    and one job creation refused."""
    uid = api(source, "POST", "/api/2.0/preview/scim/v2/Users", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@example.com", "displayName": "Ada Lovelace"})["id"]
    api(source, "POST", "/api/2.0/preview/scim/v2/Groups", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": HOSTILE_GROUP, "members": [{"value": uid}]})
    refused = {"kind": "error", "status": 400, "error_code": "INVALID_PARAMETER_VALUE",
               "message": HOSTILE_ERROR}
    api(target, "POST", "/_emulator/fault-rules", {"rules": [
        {"method": "POST", "path": "/api/2.0/preview/scim/v2/Users", "action": refused},
        {"method": "POST", "path": "/api/2.2/jobs/create", "offset": 3, "action": refused},
    ]})


def migrate(binary, source, target, run_dir, *args):
    env = dict(os.environ, BRICKPORT_SOURCE_HOST=source, BRICKPORT_SOURCE_TOKEN="check-report-html",
               BRICKPORT_TARGET_HOST=target, BRICKPORT_TARGET_TOKEN="check-report-html")
    r = subprocess.run([binary, "-q", "migrate", "--run-dir", str(run_dir), *args],
                       env=env, cwd=run_dir.parent, capture_output=True, text=True, timeout=600)
    if r.returncode not in (0, 1):
        fail(f"brickport migrate {' '.join(args)} exited with {r.returncode}: {r.stderr[-2000:]}")


def run_migration(binary, work):
    """Two runs between two emulators; the run directory."""
    run_dir = work / "run"
    src, source = emulator(binary, "--seed", "typical", "--id-seed", "1")
    dst, target = emulator(binary, "--id-seed", "2")
    try:
        prepare(source, target)
        migrate(binary, source, target, run_dir, "--only", "users,service_principals")
        prepare_second(source, target)
        migrate(binary, source, target, run_dir)
    finally:
        for p in (src, dst):
            p.terminate()
            p.wait(timeout=30)
    return run_dir


def expected(binary, run_dir):
    """What the page must hold, from report.json and `brickport status`."""
    report = json.loads((run_dir / "report.json").read_text())
    status = subprocess.run([binary, "status", "--run-dir", str(run_dir), "--output", "json"],
                            capture_output=True, text=True, cwd=run_dir.parent)
    dashboard = json.loads(status.stdout)["dashboard"]
    problems = [o for o in report["objects"] if o["outcome"] in ("failed", "conflict", "skipped")]
    outcomes = {o["outcome"] for o in problems}
    if not {"failed", "conflict", "skipped"} <= outcomes or not any(o.get("dropped") for o in report["objects"]):
        fail(f"the run was meant to fail, conflict, skip and drop something; it has {sorted(outcomes)}")
    items = [i for g in dashboard["post_migration"] for i in g["items"]]
    return {
        "failed": sum(1 for o in problems if o["outcome"] == "failed"),
        "unpause": sum(1 for i in items if "unpause" in (i["kind"] + i["key"] + i["action"]).lower()),
        "kinds": len(report["kinds"]), "problems": len(problems), "runs": 2,
        "dropped": sum(1 for o in report["objects"] if o.get("dropped")),
        "phases": len(dashboard["phases"]), "groups": len(dashboard["post_migration"]),
        "actions": dashboard["post_migration_total"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", help="the brickport binary (default: cargo build)")
    ap.add_argument("--screenshot", help="also keep the screenshot there")
    ap.add_argument("--keep", help="keep the run directory and the renders in this directory")
    args = ap.parse_args()
    ensure_chromium()
    binary = args.bin and str(Path(shutil.which(args.bin) or args.bin).resolve())
    if not binary:
        subprocess.run(["cargo", "build", "--locked", "-q", "-p", "brickport", "--bin", "brickport"],
                       cwd=ROOT, check=True)
        binary = str(ROOT / "target" / "debug" / "brickport")
    work = Path(args.keep or tempfile.mkdtemp(prefix="check-report-html-")).resolve()
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        print("== report.html: a migration between two emulators", file=sys.stderr)
        run_dir = run_migration(binary, work)
        expect = expected(binary, run_dir)
        page = run_dir / "report.html"
        print(f"== report.html ({page.stat().st_size} bytes) in headless Chromium", file=sys.stderr)
        shot = work / "report.png"
        w, h, colours = render_and_check(page, expect, shot, list(COLOURS))
        check_filters(page, work, expect)
        print(f"   ok: no console message; dashboard and {expect['problems']} problem, "
              f"{expect['dropped']} dropped, {expect['actions']} manual-action rows rendered; "
              f"names escaped; filters narrow the tables ({expect['failed']} failed, "
              f"{expect['unpause']} to unpause); screenshot {w}x{h}, {colours} colours",
              file=sys.stderr)
        print("== the checks fail on broken pages", file=sys.stderr)
        self_test(work, page, expect)
        if args.screenshot:
            shutil.copyfile(shot, args.screenshot)
    except CheckFailed as e:
        print(f"check-report-html: FAILED: {e}", file=sys.stderr)
        print(f"(files in {work})", file=sys.stderr)
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
