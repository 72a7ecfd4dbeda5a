#!/usr/bin/env bash
# Screenshots of the web UI for docs/: starts `smtptap proxy --web` with the built-in capture server as upstream
# (loopback only, a throwaway home and CA), sends three sessions through it (a normal message; a refused recipient;
# STARTTLS + AUTH LOGIN with a demo password and a refused recipient), and saves one PNG per page with Debian's headless chromium.
#
# Usage: scripts/screenshots.sh [NAME=FRAGMENT[@WIDTHxHEIGHT] ...]
#   Default: web-sessions='#/' web-session='#/session/{auth}@1400x2500' web-message='#/message/{refused}-1@1400x1900'
#   In FRAGMENT, {auth}, {plain} and {refused} are replaced by the ids of the three sessions sent (a message id is the
#   session id, a dash and the message's number in its session: {refused}-1).
#   Each NAME is saved as docs/NAME.png (OUT_DIR=... to save elsewhere). Default size: 1400x900.
# Needs: a Release build (dotnet build SmtpTap.sln -c Release), python3, chromium.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dll="$root/src/SmtpTap/bin/Release/net10.0/smtptap.dll"
out_dir="${OUT_DIR:-$root/docs}"
chromium="${CHROMIUM:-chromium}"
[[ -f "$dll" ]] || { echo "no $dll: run dotnet build SmtpTap.sln -c Release first" >&2; exit 2; }
command -v "$chromium" >/dev/null || { echo "no $chromium: apt-get install chromium" >&2; exit 2; }
command -v python3 >/dev/null || { echo "no python3" >&2; exit 2; }

shots=("$@")
if [[ ${#shots[@]} -eq 0 ]]; then
  shots=("web-sessions=#/" "web-session=#/session/{auth}@1400x2500" "web-message=#/message/{refused}-1@1400x1900")
fi

work="$(mktemp -d /tmp/smtptap-screenshots.XXXXXX)"
tap_pid=""
cleanup() {
  if [[ -n "$tap_pid" ]]; then kill "$tap_pid" 2>/dev/null || true; wait "$tap_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

touch "$work/tap.out"
HOME="$work" dotnet "$dll" proxy --listen smtp://127.0.0.1:0 --cert-dir "$work/certs" --capture-dir "$work/captured" \
  --web 127.0.0.1:0 >"$work/tap.out" 2>&1 &
tap_pid=$!

smtp_port="" web_url=""
for _ in $(seq 1 120); do
  smtp_port="$(sed -n 's/.*Listening on smtp:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/tap.out" | head -1)"
  web_url="$(sed -n 's/.*Web UI on \(http:\/\/[^ ]*\) (keeps.*/\1/p' "$work/tap.out" | head -1)"
  [[ -n "$smtp_port" && -n "$web_url" ]] && break
  kill -0 "$tap_pid" 2>/dev/null || { cat "$work/tap.out" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$smtp_port" && -n "$web_url" ]] || { echo "the tap did not start:" >&2; cat "$work/tap.out" >&2; exit 1; }
echo "tap: smtp 127.0.0.1:$smtp_port, web $web_url"

# The three sessions, one after the other; prints "plain refused auth" session ids as the web API lists them.
ids="$(python3 - "$smtp_port" "$web_url" <<'PY'
import base64, json, socket, ssl, sys, time, urllib.request

port, web = int(sys.argv[1]), sys.argv[2]

class Client:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.file = self.sock.makefile("rb")
        self.expect(220)

    def expect(self, code):
        while True:
            line = self.file.readline().decode("utf-8", "replace")
            if not line:
                raise SystemExit("connection closed waiting for %d" % code)
            if line[3:4] != "-":
                break
        if int(line[:3]) != code:
            raise SystemExit("expected %d, got %s" % (code, line.strip()))

    def cmd(self, text, code):
        self.sock.sendall((text + "\r\n").encode("utf-8"))
        self.expect(code)

    def starttls(self):
        self.cmd("STARTTLS", 220)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the tap's throwaway CA; this is a local demo
        self.sock = context.wrap_socket(self.sock, server_hostname="localhost")
        self.file = self.sock.makefile("rb")

    def message(self, sender, recipients, subject, refused=()):
        self.cmd("MAIL FROM:<%s>" % sender, 250)
        for r in recipients:
            self.cmd("RCPT TO:<%s>" % r, 553 if r in refused else 250)
        self.cmd("DATA", 354)
        body = "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nHello from the SmtpTap screenshot script.\r\n." % (sender, recipients[-1], subject)
        self.cmd(body, 250)

    def quit(self):
        self.cmd("QUIT", 221)
        self.sock.close()

def latest():
    with urllib.request.urlopen(web.rstrip("/") + "/api/sessions?limit=1") as r:
        return json.load(r)["sessions"][0]["id"]

def closed(session):
    with urllib.request.urlopen(web.rstrip("/") + "/api/sessions/" + session) as r:
        return json.load(r)["session"]["ended"] is not None

ids = []
c = Client(); c.cmd("EHLO crm.local", 250)
c.message("reports@crm.example", ["finance@example.test"], "Quarterly report"); c.quit()
ids.append(latest())
c = Client(); c.cmd("EHLO printer-3f", 250)
c.message("scanner@printer.example", ["jörg@example.test", "office@example.test"], "Scan from printer-3f", refused=("jörg@example.test",)); c.quit()
ids.append(latest())
c = Client(); c.cmd("EHLO laptop.example", 250); c.starttls(); c.cmd("EHLO laptop.example", 250)
c.cmd("AUTH LOGIN", 334)
c.cmd(base64.b64encode(b"alice@example.test").decode(), 334)
c.cmd(base64.b64encode(b"demo-password-not-real").decode(), 235)
c.message("alice@example.test", ["bob@example.test", "jörg@example.test"], "Lunch on Friday?", refused=("jörg@example.test",)); c.quit()
ids.append(latest())
for session in ids:
    for _ in range(100):
        if closed(session):
            break
        time.sleep(0.1)
print(" ".join(ids))
PY
)"
read -r plain refused auth <<<"$ids"
echo "sessions: plain=$plain refused=$refused auth=$auth"

# Ready: the list stream is connected, on a session page its timeline and certificates are shown, and on a message
# page its raw source is. WAIT_JS sets another condition.
wait_js="${WAIT_JS:-document.getElementById('live')?.textContent === 'live' && (document.getElementById('detail-pane').hidden || document.querySelectorAll('#timeline li').length > 0) && (document.getElementById('message-pane').hidden || document.getElementById('message-raw').textContent.length > 0)}"
mkdir -p "$out_dir"
args=()
for shot in "${shots[@]}"; do
  name="${shot%%=*}"
  rest="${shot#*=}"
  size="1400x900"
  if [[ "$rest" == *@* ]]; then size="${rest##*@}"; rest="${rest%@*}"; fi
  fragment="${rest//\{auth\}/$auth}"
  fragment="${fragment//\{plain\}/$plain}"
  fragment="${fragment//\{refused\}/$refused}"
  args+=("$web_url$fragment=$out_dir/$name.png@$size")
done
python3 "$root/scripts/screenshot_cdp.py" "$chromium" "$work/chromium" "$wait_js" "${args[@]}"
