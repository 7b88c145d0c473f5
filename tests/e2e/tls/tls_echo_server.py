#!/usr/bin/python3
"""A TLS WebSocket echo server on python3-websockets, an independent peer for wss:// tests.

    /usr/bin/python3 tests/e2e/tls/tls_echo_server.py --cert server.pem --key server.key
prints `listening on ws://127.0.0.1:PORT` (the port speaks wss) and echoes every message;
the path /headers answers with the request headers as JSON, then echoes.
"""
import argparse
import asyncio
import json
import signal
import ssl

import websockets


async def handler(websocket, path=None):
    path = path or websocket.path
    if path.startswith("/headers"):
        await websocket.send(json.dumps({k.lower(): v for k, v in websocket.request_headers.raw_items()}))
    async for message in websocket:
        await websocket.send(message)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", args.port, ssl=context) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}", flush=True)
        await stop


asyncio.run(main())
