#!/usr/bin/env python3
"""Saves PNG screenshots of pages with headless Chromium over the DevTools protocol (standard library only).

Usage: screenshot_cdp.py CHROMIUM PROFILE_DIR WAIT_JS URL=FILE@WIDTHxHEIGHT ...

Each URL is opened in one page; the shot is taken once WAIT_JS (a JavaScript expression) is true and the page has been
still for half a second. The web UI keeps a server-sent event stream open, so "network idle" never comes: waiting on the
page's own state is what makes the shots complete (chromium --screenshot can fire before the page has fetched its data).
"""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request


class DevTools:
    def __init__(self, ws_url):
        rest = ws_url[len("ws://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise SystemExit("DevTools closed the WebSocket handshake")
            response += chunk
        if b" 101 " not in response.split(b"\r\n", 1)[0]:
            raise SystemExit("DevTools refused the WebSocket: %r" % response[:200])
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("DevTools closed the WebSocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _receive(self):
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                raise SystemExit("DevTools closed the WebSocket")
            if opcode in (0x9, 0xA):
                continue
            message += payload
            if first & 0x80:
                return json.loads(message.decode("utf-8"))

    def call(self, method, **params):
        self.next_id += 1
        data = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SystemExit("DevTools error on %s: %s" % (method, reply["error"]))
                return reply["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


def main():
    chromium, profile, wait_js, shots = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    process = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(600):
            if os.path.exists(port_file) and len(open(port_file).read().splitlines()) >= 2:
                break
            time.sleep(0.1)
        port = open(port_file).read().splitlines()[0].strip()
        pages = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=30))
        devtools = DevTools(next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page"))
        for shot in shots:
            url, rest = shot.rsplit("=", 1)
            target, size = rest.rsplit("@", 1)
            width, height = (int(v) for v in size.split("x"))
            devtools.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
            devtools.call("Page.navigate", url="about:blank")
            devtools.call("Page.navigate", url=url)
            deadline = time.time() + 60
            time.sleep(0.3)
            while devtools.evaluate("location.href !== 'about:blank' && document.readyState === 'complete' && (%s)" % wait_js) is not True:
                if time.time() > deadline:
                    raise SystemExit("timed out waiting for %s on %s" % (wait_js, url))
                time.sleep(0.2)
            time.sleep(0.5)
            png = devtools.call("Page.captureScreenshot", format="png")["data"]
            with open(target, "wb") as f:
                f.write(base64.b64decode(png))
            print("saved %s (%dx%d, %s)" % (target, width, height, url))
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    main()
