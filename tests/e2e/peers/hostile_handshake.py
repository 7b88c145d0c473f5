#!/usr/bin/python3
"""A server whose upgrade responses are wrong on purpose, written with raw sockets.

    /usr/bin/python3 tests/e2e/peers/hostile_handshake.py
prints `listening on ws://127.0.0.1:PORT`; the request path picks the fault:
  /bad-accept       101 with a Sec-WebSocket-Accept that does not answer the key
  /no-upgrade       101 without the Upgrade header
  /endless-headers  101 followed by header lines that never end (until the client leaves)
  /bad-deflate      a valid 101 answering permessage-deflate with server_max_window_bits=16
  /unoffered-deflate  a valid 101 with permessage-deflate, offered or not
Every connection is bounded: it ends when the client closes or after 10 s.
"""
import base64
import hashlib
import re
import socket
import threading
import time


def accept_101(request, extensions):
    """A correct 101 for `request`, with a Sec-WebSocket-Extensions answer."""
    key = re.search(rb"(?i)sec-websocket-key:\s*(\S+)", request).group(1)
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Extensions: " + extensions +
            b"\r\n\r\n")


def handle(conn):
    conn.settimeout(10)
    try:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        path = request.split(b" ", 2)[1].decode()
        if path == "/bad-accept":
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: bm90LXRoZS1yaWdodC1rZXk=\r\n\r\n")
        elif path == "/no-upgrade":
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: x\r\n\r\n")
        elif path == "/bad-deflate":
            conn.sendall(accept_101(request, b"permessage-deflate; server_max_window_bits=16"))
        elif path == "/unoffered-deflate":
            conn.sendall(accept_101(request, b"permessage-deflate"))
        elif path == "/endless-headers":
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\n")
            deadline = time.monotonic() + 10
            n = 0
            while time.monotonic() < deadline:
                conn.sendall(b"X-Padding-%d: %s\r\n" % (n, b"a" * 100))
                n += 1
        conn.recv(4096)  # until the client closes
    except OSError:
        pass
    finally:
        conn.close()


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    print(f"listening on ws://127.0.0.1:{server.getsockname()[1]}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
