#!/usr/bin/python3
"""A hostile WebSocket server for the output tests, on raw sockets (no third-party module).

    /usr/bin/python3 tests/e2e/peers/hostile_text.py

prints `listening on ws://127.0.0.1:PORT` and serves until SIGTERM. By request path:

    /deny...   answers the upgrade with HTTP 403 whose reason phrase repeats the request
               target (query included), as servers that echo the URL in errors do
    anything   completes the handshake and sends one text frame holding what a terminal or
               an XML file must not get raw: ESC sequences, NUL, BEL, U+FFFE, U+FFFF, a C1
               CSI; then answers the client's close and ends the connection
"""
import base64
import hashlib
import signal
import socket
import sys
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HOSTILE = "hostile:\x1b[2J\x1b]0;owned\x07\x00|\ufffe|\uffff|\x9b31m|end"


def frame(opcode, payload):
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        return head + bytes([len(payload)]) + payload
    return head + bytes([126]) + len(payload).to_bytes(2, "big") + payload


def serve(conn):
    with conn:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        lines = request.decode("latin-1").split("\r\n")
        target = lines[0].split(" ")[1]
        if target.startswith("/deny"):
            conn.sendall(("HTTP/1.1 403 denied " + target + "\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n").encode("latin-1"))
            return
        key = ""
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-key":
                key = value.strip()
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
                      "\r\n\r\n").encode())
        conn.sendall(frame(0x1, HOSTILE.encode("utf-8", "surrogatepass")))
        if conn.recv(4096):  # the client's close frame: answer it; the server ends TCP
            conn.sendall(frame(0x8, (1000).to_bytes(2, "big")))


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening on ws://127.0.0.1:%d" % server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
