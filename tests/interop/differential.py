#!/usr/bin/env python3
"""Differential suite: scripted raw SMTP sessions played directly against the rig's Postfix and through a
tap in front of the same port; every reply code and every delivered message must be the same.

  differential.py --sessions FILE --allow FILE --direct KIND=PORT... --tap KIND=PORT... --maildir DIR [--only REGEX]

Prints one line per session, "PASS diff-<name>" or "FAIL diff-<name> <why>", and never a secret (the AUTH
placeholders are computed from $RIG_USER_ALICE and $RIG_PASS_ALICE; replies are shown as codes only).
Exit status 0 if nothing failed. Session file format: tests/interop/README.md ("Differential suite").
"""
import argparse
import base64
import os
import re
import select
import socket
import sys
import time

HOST = "127.0.0.1"
REPLY_TIMEOUT = 4.0
MAIL_TIMEOUT = 10.0
ESCAPES = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\", '"': b'"'}


class Step:
    def __init__(self, kind, data=b"", replies=0, seconds=0.0):
        self.kind, self.data, self.replies, self.seconds = kind, data, replies, seconds


def parse_line(line, lineno):
    """name kind step...; a step is "bytes"[*N] (one write, then read N replies, default 1), sleep:S, or early."""
    i, n, words = 0, len(line), []
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        if line[i] == '"':
            i += 1
            out = bytearray()
            while i < n and line[i] != '"':
                if line[i] == "\\":
                    c = line[i + 1]
                    if c == "x":
                        out += bytes([int(line[i + 2:i + 4], 16)])
                        i += 4
                        continue
                    if c not in ESCAPES:
                        raise ValueError(f"line {lineno}: unknown escape \\{c}")
                    out += ESCAPES[c]
                    i += 2
                    continue
                out += line[i].encode("latin-1")
                i += 1
            if i >= n:
                raise ValueError(f"line {lineno}: unterminated string")
            i += 1
            replies = 1
            m = re.match(r"\*(\d+)", line[i:])
            if m:
                replies = int(m.group(1))
                i += m.end()
            words.append(Step("send", bytes(out), replies))
            continue
        j = i
        while j < n and not line[j].isspace():
            j += 1
        words.append(line[i:j])
        i = j
    if len(words) < 3 or not isinstance(words[0], str) or not isinstance(words[1], str):
        raise ValueError(f"line {lineno}: expected NAME KIND STEP...")
    name, kind, steps = words[0], words[1], []
    for w in words[2:]:
        if isinstance(w, Step):
            steps.append(w)
        elif w.startswith("sleep:"):
            steps.append(Step("sleep", seconds=float(w[6:])))
        elif w == "early":
            steps.append(Step("early"))
        else:
            raise ValueError(f"line {lineno}: unknown step {w!r}")
    return name, kind, steps


def load_sessions(path):
    sessions = []
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if line and not line.startswith("#"):
                sessions.append(parse_line(line, lineno))
    return sessions


def load_allow(path):
    """name: tap-codes reason. The tap may give exactly these codes instead of the direct ones."""
    allow = {}
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, codes, reason = line.split(None, 2)
            allow[name] = (codes.split(","), reason)
    return allow


# --- placeholders ---------------------------------------------------------------------------------
def headers(token, rcpt):
    return (f"From: <{token}@interop.test>\r\nTo: <{rcpt}>\r\nSubject: differential {token}\r\n"
            f"Date: Fri, 04 Dec 2026 12:00:00 +0000\r\nMessage-ID: <{token}@interop.test>\r\n\r\n").encode()


BODY = b"first line\r\n..a line that starts with a dot\r\nQ\r\nR\r\n\tindented by a tab\r\nlast line\r\n"


def size_message(token, rcpt, size):
    """Headers and dot-led body lines whose size without stuffing (lines with CRLF) is exactly SIZE octets."""
    head = headers(token, rcpt)
    left = size - len(head)
    lines = []
    while left > 0:
        n = min(78, left)
        if n < 3:  # a line needs at least one octet and CRLF; grow the previous one instead
            last = lines.pop()
            left += len(last) + 2
            n = left
        lines.append("." + "d" * (n - 3))
        left -= n
    wire = head + b"".join(b"." + line.encode() + b"\r\n" for line in lines)  # stuffed: one more dot each
    return wire + b".\r\n"


def expand(data, token, rcpt, user, password):
    def sub(key):
        if key == "TOKEN":
            return token.encode()
        if key == "RCPT":
            return rcpt.encode()
        if key == "HDR":
            return headers(token, rcpt)
        if key == "MSG":
            return headers(token, rcpt) + BODY + b".\r\n"
        if key == "CHUNK":  # a whole message for BDAT: no stuffing, no end of data
            return headers(token, rcpt) + BODY
        if key == "CHUNKLEN":
            return str(len(headers(token, rcpt) + BODY)).encode()
        if key == "PLAIN_IR":
            return base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())
        if key == "LOGIN_USER":
            return base64.b64encode(user.encode())
        if key == "LOGIN_PASS":
            return base64.b64encode(password.encode())
        m2 = re.fullmatch(r"SIZEMSG:(\d+)", key)
        if m2:
            return size_message(token, rcpt, int(m2.group(1)))
        m2 = re.fullmatch(r"(.)\*(\d+)", key)
        if m2:
            return m2.group(1).encode() * int(m2.group(2))
        raise ValueError(f"unknown placeholder {{{key}}}")

    return re.sub(rb"\{([A-Z_]+|SIZEMSG:\d+|.\*\d+)\}", lambda m: sub(m.group(1).decode("latin-1")), data)


# --- playing --------------------------------------------------------------------------------------
class Player:
    def __init__(self, port):
        self.sock = socket.create_connection((HOST, port), timeout=REPLY_TIMEOUT)
        self.buf = b""
        self.codes = []
        self.texts = []
        self.over = False

    def read_reply(self):
        deadline = time.monotonic() + REPLY_TIMEOUT
        code = None
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.rstrip(b"\r")
                if len(line) < 3 or not line[:3].isdigit():
                    self.end("garbage")
                    return
                code = line[:3].decode()
                self.texts.append(line.decode("latin-1"))
                if len(line) == 3 or line[3:4] != b"-":
                    self.codes.append(code)
                    return
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                self.end("timeout")
                return
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.end("closed")
                return
            self.buf += data

    def end(self, why):
        self.codes.append(why)
        self.over = True

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.end("send-failed")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def play(port, steps, token, rcpt, user, password):
    p = Player(port)
    early = bool(steps) and steps[0].kind == "early"
    if not early:
        p.read_reply()
    for step in steps[1:] if early else steps:
        if p.over:
            break
        if step.kind == "sleep":
            time.sleep(step.seconds)
            continue
        p.send(expand(step.data, token, rcpt, user, password))
        for _ in range(step.replies + (1 if early else 0)):
            if p.over:
                break
            p.read_reply()
        early = False
    if not p.over and steps and steps[-1].kind == "send" and steps[-1].data.upper().rstrip().endswith(b"QUIT"):
        # After 221 the server closes; anything else it sends is a difference too.
        p.sock.settimeout(REPLY_TIMEOUT)
        try:
            rest = p.buf + p.sock.recv(65536)
        except OSError:
            rest = b""
        if rest:
            extra = [line[:3].decode("latin-1") for line in rest.split(b"\n") if line[3:4] != b"-" and line.strip()]
            p.codes.append("after-221:" + ",".join(extra))
    p.close()
    queued = [m.group(1) for t in p.texts for m in [re.search(r"queued as ([0-9A-Za-z]+)", t)] if m]
    return p.codes, queued


# --- delivered mail -------------------------------------------------------------------------------
TRACE = re.compile(rb"^(Return-Path|Delivered-To|X-Original-To|Received):", re.I)


def normalise(data, token):
    head, sep, body = data.partition(b"\n\n")
    kept, skipping = [], False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        skipping = bool(TRACE.match(line))
        if not skipping:
            kept.append(line)
    return (b"\n".join(kept) + sep + body).replace(token.encode(), b"{TOKEN}")


def delivered(maildir, token, queue_ids):
    """{queue id: sorted normalised copies}, waiting until every queue id has at least one copy."""
    tok = token.encode()
    deadline = time.monotonic() + MAIL_TIMEOUT
    settled = False
    while True:
        found = {}
        for box in sorted(os.listdir(maildir)):
            new = os.path.join(maildir, box, "new")
            if not os.path.isdir(new):
                continue
            for name in os.listdir(new):
                try:
                    with open(os.path.join(new, name), "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue
                if tok not in data:
                    continue
                m = re.search(rb"\bid ([0-9A-Za-z]+)", data)
                qid = m.group(1).decode() if m else "?"
                found.setdefault(qid, []).append(normalise(data, token))
        if all(q in found for q in queue_ids):
            if settled:
                return {q: sorted(v) for q, v in found.items()}
            settled = True
            time.sleep(0.3)  # a second copy for another recipient, or a duplicate, comes right behind
            continue
        if time.monotonic() >= deadline:
            return {q: sorted(v) for q, v in found.items()}
        time.sleep(0.1)


def compare_mail(d_map, d_ids, t_map, t_ids):
    d_list = [d_map.get(q, []) for q in d_ids] + [v for q, v in sorted(d_map.items()) if q not in d_ids]
    t_list = [t_map.get(q, []) for q in t_ids] + [v for q, v in sorted(t_map.items()) if q not in t_ids]
    if len(d_list) != len(t_list):
        return f"{len(d_list)} message(s) delivered directly, {len(t_list)} through the tap"
    for i, (d, t) in enumerate(zip(d_list, t_list), 1):
        if len(d) != len(t):
            return f"message {i}: {len(d)} copies directly, {len(t)} through the tap"
        for a, b in zip(d, t):
            if a != b:
                at = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
                return f"message {i} differs at octet {at} ({len(a)} octets directly, {len(b)} through the tap)"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", required=True)
    ap.add_argument("--allow", required=True)
    ap.add_argument("--direct", action="append", required=True, help="KIND=PORT of Postfix")
    ap.add_argument("--tap", action="append", required=True, help="KIND=PORT of the tap in front of it")
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--run", default=str(os.getpid()))
    a = ap.parse_args()
    direct = dict(kv.split("=", 1) for kv in a.direct)
    tap = dict(kv.split("=", 1) for kv in a.tap)
    user = os.environ.get("RIG_USER_ALICE", "alice@interop.test")
    password = os.environ.get("RIG_PASS_ALICE", "")
    rcpt = user.lower()
    sessions = load_sessions(a.sessions)
    allow = load_allow(a.allow)
    unknown = sorted(set(allow) - {s[0] for s in sessions})
    failed = 0
    if unknown:
        print(f"FAIL diff-allow-list names no session: {', '.join(unknown)}")
        failed += 1
    run = re.sub(r"[^0-9a-z]", "", a.run.lower()).rjust(6, "0")[-6:]  # fixed length: same sizes in both plays
    for n, (name, kind, steps) in enumerate(sessions, 1):
        label = "diff-" + name
        if a.only and not re.search(a.only, label):
            continue
        if kind not in direct or kind not in tap:
            print(f"FAIL {label} no port for kind {kind}")
            failed += 1
            continue
        try:
            d_tok, t_tok = f"dif{run}d{n:03d}", f"dif{run}t{n:03d}"
            d_codes, d_ids = play(int(direct[kind]), steps, d_tok, rcpt, user, password)
            t_codes, t_ids = play(int(tap[kind]), steps, t_tok, rcpt, user, password)
            d_mail = delivered(a.maildir, d_tok, d_ids)
            t_mail = delivered(a.maildir, t_tok, t_ids)
        except (OSError, ValueError) as e:
            print(f"FAIL {label} {type(e).__name__}: {e}")
            failed += 1
            continue
        why, note = None, ""
        if d_codes != t_codes:
            allowed = allow.get(name)
            if allowed and t_codes == allowed[0]:
                note = f" (allowed difference: {allowed[1]})"
            else:
                why = f"replies differ: direct {' '.join(d_codes)} | tap {' '.join(t_codes)}"
        if why is None:
            why = compare_mail(d_mail, d_ids, t_mail, t_ids)
            if why is None and note == "" and len(d_ids) != len(d_mail):
                why = f"direct: {len(d_ids)} queued, {len(d_mail)} delivered"
        if why:
            print(f"FAIL {label} {why}")
            failed += 1
        else:
            print(f"PASS {label} ({len(d_codes)} replies, {len(d_mail)} message(s) identical){note}")
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a crash must not look like "some sessions failed"
        print(f"FAIL diff-player crashed: {type(e).__name__}: {e}")
        sys.exit(2)
