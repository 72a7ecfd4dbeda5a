#!/usr/bin/env python3
"""Load-balancer cells: many smtplib clients through HAProxy (send-proxy-v2) to two taps, then checks.

  loadbalancer.py send   --port P --rcpt ADDR --domain D --prefix TOKEN --count N --clients C --out FILE
  loadbalancer.py check  --results FILE --maildir MAILBOX --since EPOCH --transcripts DIR... [--phase NAME]
  loadbalancer.py forge  --port P --bind ADDR --claim ADDR:PORT

send: C threads, client i bound to source address 127.0.0.(11+i), each sends its share of N messages, one
SMTP session per message, retrying a failed attempt (a new connection) up to 8 times. One JSON line per
message in FILE: token, accepted (bool), attempts [{bind, port, phase, reply, error}]. phase "end-of-data"
on a failed attempt means the data was sent and the verdict never arrived: the server may have taken it.

check: prints "PASS name (detail)" / "FAIL name why" lines, like differential.py:
  <phase>-delivered-once: every message got 250, and each is in the Maildir exactly once (twice is
      allowed only for a message with an attempt that lost its verdict after the end of data, and reported).
  <phase>-transcripts-show-original-client (with --transcripts): the session transcript of every accepted
      attempt says "Client 127.0.0.X:PORT connected ... through proxy 127.0.0.1:..." with the client's own
      source address and port, holds the token and the server's 250; and every tap carried messages.

forge: a direct connection from --bind to a tap with a PROXY v2 header claiming --claim; prints
"refused: N bytes before the close" or "greeted: <first line>" (then QUIT).
"""
import argparse
import glob
import json
import os
import re
import smtplib
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
ATTEMPTS = 8
SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def one_attempt(a, token, bind):
    info = {"bind": bind, "port": None, "phase": "connect", "reply": None, "error": None}
    s = smtplib.SMTP(timeout=20, source_address=(bind, 0))
    try:
        s.connect(HOST, a.port)
        info["port"] = s.sock.getsockname()[1]
        info["phase"] = "session"
        s.ehlo("lb.interop.test")
        for cmd, want in ((f"MAIL FROM:<{token}@{a.domain}>", 250), (f"RCPT TO:<{a.rcpt}>", 250), ("DATA", 354)):
            code, text = s.docmd(cmd)
            if code != want:
                info["reply"] = f"{code} {text.decode('utf-8', 'replace')}"
                return info
        message = (f"From: <{token}@{a.domain}>\r\nTo: <{a.rcpt}>\r\nSubject: lb {token}\r\n"
                   f"Message-ID: <{token}@loadbalancer>\r\n\r\nload-balancer cell {token}\r\n.\r\n")
        s.send(message.encode())
        info["phase"] = "end-of-data"
        code, text = s.getreply()
        info["reply"] = f"{code} {text.decode('utf-8', 'replace')}"
        if code == 250:
            info["phase"] = "accepted"
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass
    except (smtplib.SMTPException, OSError) as e:
        info["error"] = f"{type(e).__name__}: {e}"
    finally:
        s.close()
    return info


def cmd_send(a):
    lock = threading.Lock()
    out = open(a.out, "w", encoding="utf-8")

    def worker(i):
        bind = f"127.0.0.{11 + i}"
        for n in range(i, a.count, a.clients):
            token = f"{a.prefix}-{n:04d}"
            attempts = []
            for k in range(ATTEMPTS):
                info = one_attempt(a, token, bind)
                attempts.append(info)
                if info["phase"] == "accepted":
                    break
                time.sleep(0.1 * (k + 1))
            line = json.dumps({"token": token, "accepted": attempts[-1]["phase"] == "accepted", "attempts": attempts})
            with lock:
                out.write(line + "\n")
                out.flush()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    return 0


def load_results(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def deliveries(maildir, since, tokens, timeout):
    """token -> Postfix queue ids of the Maildir files holding it; waits until every token is there (or the timeout)."""
    pattern = re.compile(rb"Subject: lb (\S+)")
    queue_id = re.compile(rb"\(Postfix\) with \S+ id ([0-9A-Za-z]+)")
    counts, seen = {}, set()
    deadline = time.time() + timeout
    settled = None
    while True:
        for path in glob.glob(os.path.join(maildir, "new", "*")) + glob.glob(os.path.join(maildir, "cur", "*")):
            if path in seen:
                continue
            try:
                if os.stat(path).st_mtime < since - 1:
                    seen.add(path)
                    continue
                with open(path, "rb") as fh:
                    head = fh.read(4096)
            except FileNotFoundError:
                continue
            seen.add(path)
            m, q = pattern.search(head), queue_id.search(head)
            if m and m.group(1).decode() in tokens:
                counts.setdefault(m.group(1).decode(), []).append(q.group(1).decode() if q else "?")
        if all(counts.get(t) for t in tokens):
            settled = settled or time.time() + 1.0  # a duplicate would come right behind
            if time.time() >= settled:
                return counts
        elif time.time() >= deadline:
            return counts
        time.sleep(0.2)


def check_delivery(a, results):
    name = f"{a.phase}-delivered-once"
    refused = [r["token"] for r in results if not r["accepted"]]
    if len(results) != a.count:
        return f"FAIL {name} {len(results)} results, expected {a.count}"
    if refused:
        last = [r for r in results if not r["accepted"]][0]["attempts"][-1]
        return f"FAIL {name} {len(refused)} message(s) never got 250 in {ATTEMPTS} attempts (first: {refused[0]}: {last['reply'] or last['error']})"
    tokens = {r["token"] for r in results}
    copies = deliveries(a.maildir, a.since, tokens, 30)
    missing = sorted(t for t in tokens if not copies.get(t))
    if missing:
        return f"FAIL {name} {len(missing)} accepted message(s) not delivered (first: {missing[0]})"
    # The transaction the client saw accepted ("queued as ID") must be delivered exactly once. Another copy may
    # only come from an earlier attempt that lost its verdict after the end of data (the server took it, the
    # client never heard): SMTP's at-least-once, which no proxy in between can avoid.
    extra = []
    for r in results:
        t = r["token"]
        m = re.search(r"queued as (\S+)", r["attempts"][-1]["reply"] or "")
        if not m:
            return f"FAIL {name} {t}: no queue id in the 250 the client saw ({r['attempts'][-1]['reply']})"
        seen = copies[t].count(m.group(1))
        if seen != 1:
            return f"FAIL {name} {t}: the accepted transaction {m.group(1)} is in {seen} delivered copies, expected 1"
        lost = sum(1 for x in r["attempts"] if x["phase"] == "end-of-data")
        if len(copies[t]) - 1 > lost:
            return f"FAIL {name} {t}: {len(copies[t])} copies ({', '.join(copies[t])}) but only {lost} attempt(s) lost a verdict"
        if len(copies[t]) > 1:
            extra.append(t)
    retried = sum(len(r["attempts"]) - 1 for r in results)
    note = f"{len(tokens)} messages, each accepted transaction delivered once, {retried} retried attempt(s)"
    if extra:
        note += (f"; {len(extra)} message(s) also delivered by an attempt whose 250 was lost with the killed tap"
                 f" (SMTP's at-least-once, e.g. {extra[0]})")
    return f"PASS {name} ({note})"


def check_transcripts(a, results):
    name = f"{a.phase}-transcripts-show-original-client"
    connected = re.compile(r"Client (\S+) connected to (\S+) through proxy (127\.0\.0\.1:\d+) \(PROXY v2, ")
    sessions, per_tap = {}, {}
    for directory in a.transcripts:
        for path in glob.glob(os.path.join(directory, "*-s*.log")):
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            m = connected.search(text)
            if m:
                # A client port can come back in a later session of the run (the tap closes first, so the client
                # leaves no TIME_WAIT): keep every transcript of an address and port.
                sessions.setdefault(m.group(1), []).append((directory, text))
    for r in results:
        ok = [x for x in r["attempts"] if x["phase"] == "accepted"]
        if not ok:
            return f"FAIL {name} {r['token']} was not accepted"
        client = f"{ok[0]['bind']}:{ok[0]['port']}"
        if client not in sessions:
            return f"FAIL {name} no transcript says 'Client {client} connected ... through proxy' ({r['token']})"
        found = [(d, t) for d, t in sessions[client] if r["token"] in t and "Message accepted by the server: 250 " in t]
        if not found:
            return (f"FAIL {name} no transcript of {client} ({len(sessions[client])} found) has {r['token']} "
                    "and the server's 250")
        directory = found[0][0]
        per_tap[directory] = per_tap.get(directory, 0) + 1
    if len(per_tap) != len(a.transcripts):
        return f"FAIL {name} not every tap carried messages: {per_tap}"
    split = ", ".join(f"{os.path.basename(d)} {n}" for d, n in sorted(per_tap.items()))
    return f"PASS {name} ({len(results)} sessions matched by client address and port; {split})"


def cmd_check(a):
    results = load_results(a.results)
    lines = [check_delivery(a, results)]
    if a.transcripts:
        deadline = time.time() + 20  # the taps flush transcript files every second; a loaded machine lags
        while True:
            line = check_transcripts(a, results)
            if line.startswith("PASS") or time.time() >= deadline:
                break
            time.sleep(0.3)
        lines.append(line)
    for line in lines:
        print(line)
    return 0 if all(line.startswith("PASS") for line in lines) else 1


def cmd_forge(a):
    address, _, port = a.claim.rpartition(":")
    body = socket.inet_aton(address) + socket.inet_aton("127.0.0.1") + struct.pack("!HH", int(port), a.port)
    header = SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body
    sock = socket.create_connection((HOST, a.port), timeout=10, source_address=(a.bind, 0))
    received = b""
    try:
        sock.sendall(header)
        while b"\n" not in received:
            chunk = sock.recv(1024)
            if not chunk:
                break
            received += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        print("timeout: neither greeted nor closed within 10 s")
        return 1
    if received.startswith(b"220"):
        try:
            sock.sendall(b"QUIT\r\n")
            sock.recv(1024)
        except OSError:
            pass
        print("greeted: " + received.split(b"\r\n")[0].decode("utf-8", "replace"))
    else:
        print(f"refused: {len(received)} bytes before the close")
    sock.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--rcpt", required=True)
    s.add_argument("--domain", required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--count", type=int, default=200)
    s.add_argument("--clients", type=int, default=8)
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_send)
    c = sub.add_parser("check")
    c.add_argument("--results", required=True)
    c.add_argument("--maildir", required=True)
    c.add_argument("--since", type=float, required=True)
    c.add_argument("--count", type=int, default=200)
    c.add_argument("--phase", default="lb")
    c.add_argument("--transcripts", nargs="*", default=[])
    c.set_defaults(func=cmd_check)
    f = sub.add_parser("forge")
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--bind", required=True)
    f.add_argument("--claim", required=True)
    f.set_defaults(func=cmd_forge)
    a = p.parse_args()
    sys.exit(a.func(a))


if __name__ == "__main__":
    main()
