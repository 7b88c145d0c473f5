#!/usr/bin/python3
"""A TLS WebSocket echo server on python3-websockets, an independent peer for wss:// tests.

    /usr/bin/python3 tests/e2e/tls/tls_echo_server.py --cert server.pem --key server.key
prints `listening on ws://127.0.0.1:PORT` (the port speaks wss) and echoes every message;
the path /headers answers with the request headers as JSON, then echoes; /fragments sends one
message in three fragments, then echoes. With --client-ca, clients must show a certificate
signed by that CA.
"""
import argparse
import asyncio
import json
import signal
import ssl

import websockets


async def handler(websocket, path=None):
    path = path or websocket.path
    if path.startswith("/fragments"):
        await websocket.send(["frag", "mented ", "message"])
    if path.startswith("/headers"):
        await websocket.send(json.dumps({k.lower(): v for k, v in websocket.request_headers.raw_items()}))
    async for message in websocket:
        await websocket.send(message)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-ca")
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(args.client_ca)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", args.port, ssl=context) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}", flush=True)
        await stop


asyncio.run(main())
