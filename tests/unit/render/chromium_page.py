# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Look at a page the way a person would: headless Chromium, its console, a screenshot.

Chromium's DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4, JSON
messages ended by NUL) needs no WebSocket library and no port: the test drives the browser it
started and nothing else can. A page is opened, every console error, uncaught exception and
failed resource load is collected (``Runtime.consoleAPICalled``, ``Runtime.exceptionThrown``,
``Log.entryAdded``), an expression can be evaluated in it and a PNG screenshot is taken. The
PNG is decoded with the standard library (zlib) so the test can look at its pixels.

Debian's ``chromium`` package (scripts/setup.sh installs it) runs here as root with
``--no-sandbox`` (shared/MACHINE-NOTES.md).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import zlib

CONSOLE_EVENTS = ("Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded")


def chromium_binary():
    """The Chromium executable, or None when the package is not installed."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser(object):
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, width=1280, height=1600, timeout=60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="refarch-chromium-")
        to_child_r, self._write_fd = os.pipe()
        self._read_fd, from_child_w = os.pipe()

        def on_fds_3_and_4():
            # The browser reads commands from fd 3 and writes replies to fd 4; move the pipe ends
            # there (through fds above 10 so that neither overwrites the other).
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        cmd = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--remote-debugging-pipe",
               "--user-data-dir=" + self.profile, "about:blank"]
        self.proc = subprocess.Popen(cmd, close_fds=False, preexec_fn=on_fds_3_and_4,  # pylint: disable=subprocess-popen-preexec-fn
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(domain, session=True)
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=True)

    # -- protocol ---------------------------------------------------------------------------------
    def _send(self, method, params=None, session=False):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._write_fd, json.dumps(msg).encode("utf-8") + b"\0")
        return self._next

    def _until(self, match):
        end = time.time() + self.timeout
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                msg = json.loads(raw.decode("utf-8"))
                if msg.get("method"):
                    self.events.append(msg)
                if match(msg):
                    return msg
            ready, _w, _x = select.select([self._read_fd], [], [], max(0.0, end - time.time()))
            if not ready:
                raise TimeoutError("chromium did not answer within %ss" % self.timeout)
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the DevTools pipe (exit code %s)" % self.proc.poll())
            self._buf += chunk

    def call(self, method, params=None, session=False):
        ident = self._send(method, params, session)
        msg = self._until(lambda m: m.get("id") == ident)
        if "error" in msg:
            raise RuntimeError("%s failed: %s" % (method, msg["error"]))
        return msg.get("result", {})

    # -- what a test uses ------------------------------------------------------------------------------
    def open(self, url):
        """Load ``url`` and wait for its load event; return the console errors it caused."""
        self.events = []
        self.call("Page.navigate", {"url": url}, session=True)
        self._until(lambda m: m.get("method") == "Page.loadEventFired")
        # Let late console messages and failed loads arrive.
        self.evaluate("new Promise(r => setTimeout(r, 200))", await_promise=True)
        return self.errors()

    def errors(self):
        """Console errors, exceptions and failed loads seen since the last ``open``, as text."""
        out = []
        for msg in self.events:
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append("console.%s: %s" % (params["type"], " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params.get("args", []))))
            elif method == "Runtime.exceptionThrown":
                out.append("exception: %s" % params.get("exceptionDetails", {}).get("text"))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                out.append("%s: %s %s" % (entry.get("source"), entry.get("text"), entry.get("url", "")))
        return out

    def evaluate(self, expression, await_promise=False):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError("evaluate failed: %s" % result["exceptionDetails"])
        return result.get("result", {}).get("value")

    def screenshot(self, scale=None):
        """The viewport as PNG bytes; ``scale`` shrinks it (decoding a full-size PNG in pure Python is slow)."""
        params = {"format": "png"}
        if scale:
            size = self.evaluate("[window.innerWidth, window.innerHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": scale}
        return base64.b64decode(self.call("Page.captureScreenshot", params, session=True)["data"])

    def close(self):
        try:
            self._send("Browser.close")
            self.proc.wait(timeout=15)
        except Exception:  # pylint: disable=broad-except
            self.proc.kill()
            self.proc.wait(timeout=15)
        finally:
            os.close(self._write_fd)
            os.close(self._read_fd)
            shutil.rmtree(self.profile, ignore_errors=True)


def png_size(data):
    """(width, height) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def decode_png(data):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG, by the PNG
    specification's filters (None, Sub, Up, Average, Paeth)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _c, _f, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected PNG format %r" % (header,)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    i = 0
    for _y in range(height):
        kind = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if kind == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 0xFF
        elif kind == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 0xFF
        elif kind == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 0xFF
        elif kind == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows
