#!/usr/bin/env python3
"""Small helpers for the interop rig (stdlib only, Python 3.9+).

  rigtool.py banner    --port P [--tls] [--cafile F]           first reply line; exit 0 if it is 220
  rigtool.py send      --port P --mode plain|starttls|ssl ...   send one message with smtplib (--mech picks AUTH)
  rigtool.py wait-mail --dir MAILBOX --token T [--timeout S]    print the Maildir file holding T
  rigtool.py body-hash (--message F | --body F)                 sha256 of a body, CRLF->LF, trailing newlines dropped
  rigtool.py check-mail --dir D --token T --body F              wait-mail + exactly one copy + same body hash
  rigtool.py free-ports N                                      N free TCP ports on 127.0.0.1, one a line
  rigtool.py pipe      --port P                                 plain TCP, stdin LF -> CRLF, like s_client -quiet -crlf
  rigtool.py scan-secrets --secret-env VAR... [--secrets-file F] FILE...
                                                               count each secret (raw and base64 at 3 alignments)
  rigtool.py bearer    --port P --cafile F --user U --token-env VAR [--mech XOAUTH2|OAUTHBEARER]
                                                               STARTTLS, then AUTH with a bearer token; exit 0 on 235
"""
import argparse
import base64
import contextlib
import hashlib
import io
import os
import smtplib
import socket
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"


def tls_context(cafile):
    return ssl.create_default_context(cafile=cafile)


def cmd_banner(a):
    try:
        sock = socket.create_connection((HOST, a.port), timeout=a.timeout)
        if a.tls:
            sock = tls_context(a.cafile).wrap_socket(sock, server_hostname="localhost")
        f = sock.makefile("rb")
        line = f.readline().decode("ascii", "replace").rstrip("\r\n")
        try:
            sock.sendall(b"QUIT\r\n")
            f.readline()
        except OSError:
            pass
        sock.close()
    except (OSError, ssl.SSLError) as e:
        print(f"{type(e).__name__}: {e}")
        return 1
    print(line)
    return 0 if line.startswith("220 ") else 1


def normalise_body(data):
    return data.replace(b"\r\n", b"\n").rstrip(b"\n")


def body_of_message(data):
    data = data.replace(b"\r\n", b"\n")
    head, sep, body = data.partition(b"\n\n")
    return body if sep else b""


def cmd_body_hash(a):
    if a.message:
        with open(a.message, "rb") as fh:
            body = body_of_message(fh.read())
    else:
        with open(a.body, "rb") as fh:
            body = fh.read()
    print(hashlib.sha256(normalise_body(body)).hexdigest())
    return 0


def cmd_wait_mail(a):
    token = a.token.encode()
    new = os.path.join(a.dir, "new")
    deadline = time.monotonic() + a.timeout
    while True:
        try:
            names = sorted(os.listdir(new))
        except FileNotFoundError:
            names = []
        for name in names:
            path = os.path.join(new, name)
            try:
                with open(path, "rb") as fh:
                    if token in fh.read():
                        print(path)
                        return 0
            except FileNotFoundError:
                continue
        if time.monotonic() >= deadline:
            print(f"no message with token {a.token} in {new} after {a.timeout}s")
            return 1
        time.sleep(0.1)


def cmd_send(a):
    if a.password_env:
        a.password = os.environ.get(a.password_env)
        if a.password is None:
            print(f"environment variable {a.password_env} is not set")
            return 2
    with open(a.body_file, "rb") as fh:
        body = fh.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    headers = (
        f"From: <{a.mail_from}>\r\nTo: <{a.to}>\r\nSubject: {a.subject}\r\n"
        f"Message-ID: <{a.subject.replace(' ', '.')}@rigtool>\r\n\r\n"
    ).encode()
    try:
        if a.mode == "ssl":
            s = smtplib.SMTP_SSL(HOST, a.port, timeout=a.timeout, context=tls_context(a.cafile))
        else:
            s = smtplib.SMTP(HOST, a.port, timeout=a.timeout)
        with s:
            s.ehlo("rigtool.interop.test")
            if a.mode == "starttls":
                s.starttls(context=tls_context(a.cafile))
                s.ehlo("rigtool.interop.test")
            if a.user and a.mech == "auto":
                s.login(a.user, a.password)  # smtplib prefers CRAM-MD5, then PLAIN, then LOGIN
            elif a.user:
                # LOGIN without initial response: user name and password go on lines of their own.
                s.user, s.password = a.user, a.password
                s.auth(a.mech, getattr(s, "auth_" + a.mech.lower().replace("-", "_")),
                       initial_response_ok=a.mech != "LOGIN")
            # Keep the server's reply to the end of data (sendmail() drops it) to print it.
            data_reply = []
            send_data = s.data
            s.data = lambda msg: data_reply.append(send_data(msg)) or data_reply[-1]
            refused = s.sendmail(a.mail_from, [a.to], headers + body)
            if refused:
                print(f"refused: {refused}")
                return 1
    except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
        print(f"{type(e).__name__}: {e}")
        return 1
    code, text = data_reply[-1] if data_reply else (0, b"")
    print(f"sent: {code} {text.decode('utf-8', 'replace')}")
    return 0


def cmd_check_mail(a):
    """wait-mail, then: exactly one file holds the token, and its body hash equals --body's."""
    with contextlib.redirect_stdout(io.StringIO()) as waited:
        found = cmd_wait_mail(a)
    if found != 0:
        print(waited.getvalue().strip())
        return 1
    time.sleep(a.settle)  # a duplicate would come right behind the first copy
    token = a.token.encode()
    new = os.path.join(a.dir, "new")
    hits = []
    for name in sorted(os.listdir(new)):
        try:
            with open(os.path.join(new, name), "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            continue
        if token in data:
            hits.append((os.path.join(new, name), data))
    if len(hits) != 1:
        print(f"{len(hits)} messages hold the token, expected 1")
        return 1
    path, data = hits[0]
    with open(a.body, "rb") as fh:
        want = hashlib.sha256(normalise_body(fh.read())).hexdigest()
    got = hashlib.sha256(normalise_body(body_of_message(data))).hexdigest()
    if want != got:
        print(f"body hash differs: sent {want}, got {got} in {path}")
        return 1
    print(path)
    return 0


def cmd_free_ports(a):
    socks = []
    try:
        for _ in range(a.count):
            s = socket.socket()
            s.bind((HOST, 0))
            socks.append(s)
        for s in socks:
            print(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return 0


def cmd_pipe(a):
    """A plain-TCP stand-in for `openssl s_client -quiet -crlf`: stdin lines go out with CRLF."""
    sock = socket.create_connection((HOST, a.port), timeout=a.timeout)
    sock.settimeout(None)

    def pump_out():
        for line in sys.stdin.buffer:
            try:
                sock.sendall(line.rstrip(b"\r\n") + b"\r\n")
            except OSError:
                return
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    threading.Thread(target=pump_out, daemon=True).start()
    out = sys.stdout.buffer
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            break
        if not data:
            break
        out.write(data)
        out.flush()
    sock.close()
    return 0


def secret_patterns(secret):
    """The secret itself, and its base64 as it appears at each of the 3 byte alignments in a longer blob."""
    raw = secret.encode()
    pats = [("raw", raw)]
    for offset in range(3):
        enc = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        start = (offset * 8 + 5) // 6           # first character with no filler bits
        end = ((offset + len(raw)) * 8) // 6    # last character made only of secret bits
        if end - start >= 4:
            pats.append((f"base64@{offset}", enc[start:end].encode()))
    return pats


def cmd_scan_secrets(a):
    secrets = []
    for var in a.secret_env or []:
        value = os.environ.get(var)
        if not value:
            print(f"environment variable {var} is empty or not set")
            return 2
        secrets.append(("$" + var, secret_patterns(value)))
    for path in a.secrets_file or []:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    secrets.append((f"{os.path.basename(path)} line {n}", secret_patterns(line.strip())))
    if not secrets:
        print("no secret to scan for")
        return 2
    hits = 0
    for path in a.files:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            print(f"cannot read {path}: {e}")
            return 2
        for var, pats in secrets:
            for kind, pat in pats:
                n = data.count(pat)
                if n:
                    hits += n
                    print(f"{path}: {n} hit(s) of {var} ({kind})")  # never the secret itself
    print(f"scanned {len(a.files)} file(s) for {len(secrets)} secret(s): {hits} hit(s)")
    return 1 if hits else 0


def cmd_bearer(a):
    """STARTTLS, then AUTH XOAUTH2 or OAUTHBEARER with the token in --token-env; prints the final reply (never the token)."""
    token = os.environ.get(a.token_env)
    if not token:
        print(f"environment variable {a.token_env} is empty or not set")
        return 2
    if a.mech == "XOAUTH2":
        initial = f"user={a.user}\x01auth=Bearer {token}\x01\x01"
    else:
        initial = f"n,a={a.user},\x01host={HOST}\x01port={a.port}\x01auth=Bearer {token}\x01\x01"
    sent = []

    def answer(challenge=None):
        sent.append(challenge)
        return initial if challenge is None else ""  # after an error challenge, the empty response ends the exchange
    try:
        with smtplib.SMTP(HOST, a.port, timeout=a.timeout) as s:
            s.ehlo("rigtool.interop.test")
            s.starttls(context=tls_context(a.cafile))
            s.ehlo("rigtool.interop.test")
            code, text = s.auth(a.mech, answer, initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as e:
        print(f"{e.smtp_code} {e.smtp_error.decode('utf-8', 'replace')}")
        return 1
    except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
        print(f"{type(e).__name__}: {e}")
        return 1
    print(f"{code} {text.decode('utf-8', 'replace')}")
    return 0 if code == 235 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    b = sub.add_parser("banner")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--tls", action="store_true", help="implicit TLS, verified against --cafile as 'localhost'")
    b.add_argument("--cafile")
    b.add_argument("--timeout", type=float, default=3)
    b.set_defaults(func=cmd_banner)

    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--mode", choices=["plain", "starttls", "ssl"], required=True)
    s.add_argument("--cafile")
    s.add_argument("--user")
    s.add_argument("--password")
    s.add_argument("--password-env", help="read the password from this environment variable")
    s.add_argument("--mech", choices=["auto", "PLAIN", "LOGIN", "CRAM-MD5"], default="auto")
    s.add_argument("--from", dest="mail_from", required=True)
    s.add_argument("--to", required=True)
    s.add_argument("--subject", required=True)
    s.add_argument("--body-file", required=True)
    s.add_argument("--timeout", type=float, default=15)
    s.set_defaults(func=cmd_send)

    w = sub.add_parser("wait-mail")
    w.add_argument("--dir", required=True, help="Maildir of one mailbox (holds new/)")
    w.add_argument("--token", required=True)
    w.add_argument("--timeout", type=float, default=15)
    w.set_defaults(func=cmd_wait_mail)

    c = sub.add_parser("check-mail", help="wait-mail, then exactly one copy with the body of --body")
    c.add_argument("--dir", required=True)
    c.add_argument("--token", required=True)
    c.add_argument("--body", required=True)
    c.add_argument("--timeout", type=float, default=15)
    c.add_argument("--settle", type=float, default=0.1)
    c.set_defaults(func=cmd_check_mail)

    h = sub.add_parser("body-hash")
    g = h.add_mutually_exclusive_group(required=True)
    g.add_argument("--message", help="a delivered message; the body follows the first empty line")
    g.add_argument("--body", help="a bare body")
    h.set_defaults(func=cmd_body_hash)

    f = sub.add_parser("free-ports")
    f.add_argument("count", type=int)
    f.set_defaults(func=cmd_free_ports)

    pi = sub.add_parser("pipe")
    pi.add_argument("--port", type=int, required=True)
    pi.add_argument("--timeout", type=float, default=10)
    pi.set_defaults(func=cmd_pipe)

    sc = sub.add_parser("scan-secrets")
    sc.add_argument("--secret-env", action="append", help="environment variable holding a secret")
    sc.add_argument("--secrets-file", action="append", help="file with one secret a line")
    sc.add_argument("files", nargs="*")
    sc.set_defaults(func=cmd_scan_secrets)

    be = sub.add_parser("bearer")
    be.add_argument("--port", type=int, required=True)
    be.add_argument("--cafile", required=True)
    be.add_argument("--user", required=True)
    be.add_argument("--token-env", required=True, help="environment variable holding the access token")
    be.add_argument("--mech", choices=["XOAUTH2", "OAUTHBEARER"], default="XOAUTH2")
    be.add_argument("--timeout", type=float, default=15)
    be.set_defaults(func=cmd_bearer)

    a = p.parse_args()
    sys.exit(a.func(a))


if __name__ == "__main__":
    main()
