#!/usr/bin/python3
"""A JSON-RPC 2.0 server answering out of order, for the end-to-end tests (python3-websockets
10.4), independent of wsyaml.

    /usr/bin/python3 tests/e2e/peers/jsonrpc_server.py --port 0 [--batch 4] [--wrong-id ID]

prints `listening on ws://127.0.0.1:PORT` and serves until SIGTERM or SIGINT, then prints one
JSON line: {"requests": N, "answers": M, "wrong": W}.

Method `add` with params [a, b] answers {"jsonrpc": "2.0", "id": ID, "result": a + b}.
Answers go out of order: each connection holds requests until it has `--batch` of them (or
50 ms pass without a new one), then answers the held ones newest first. With `--wrong-id ID`
the request with that id (compared as text, so 7 and "7" are the same) gets a + b + 1.
Errors as the spec says: -32700 parse error, -32600 invalid request, -32601 unknown method,
-32602 params that are not two numbers.
"""
import argparse
import asyncio
import json
import signal
import sys

import websockets


def error(request_id, code, message):
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


class Server:
    def __init__(self, batch, wrong_id):
        self.batch = batch
        self.wrong_id = wrong_id
        self.requests = 0
        self.answers = 0
        self.wrong = 0

    def answer(self, text):
        try:
            request = json.loads(text)
        except (TypeError, ValueError):
            return error(None, -32700, "parse error")
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
            return error(None, -32600, "invalid request")
        request_id = request.get("id")
        if request.get("method") != "add":
            return error(request_id, -32601, "method not found")
        params = request.get("params")
        numbers = isinstance(params, list) and len(params) == 2 and all(
            isinstance(p, (int, float)) and not isinstance(p, bool) for p in params)
        if not numbers:
            return error(request_id, -32602, "params must be [a, b], two numbers")
        result = params[0] + params[1]
        if self.wrong_id is not None and str(request_id) == self.wrong_id:
            result += 1
            self.wrong += 1
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    async def flush(self, ws, held):
        for text in reversed(held):
            await ws.send(json.dumps(self.answer(text), separators=(",", ":")))
            self.answers += 1
        held.clear()

    async def handler(self, ws):
        held = []
        try:
            while True:
                try:
                    text = await asyncio.wait_for(ws.recv(), timeout=0.05 if held else None)
                except asyncio.TimeoutError:
                    await self.flush(ws, held)
                    continue
                self.requests += 1
                held.append(text)
                if len(held) >= self.batch:
                    await self.flush(ws, held)
        except websockets.ConnectionClosed:
            pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--batch", type=int, default=4, help="requests answered together, reversed")
    parser.add_argument("--wrong-id", default=None, help="the request id that gets a wrong sum")
    args = parser.parse_args()
    server_state = Server(max(1, args.batch), args.wrong_id)
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            signum, lambda: stop.done() or stop.set_result(None))
    server = await websockets.serve(server_state.handler, "127.0.0.1", args.port,
                                    ping_interval=None)
    print(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await stop
    server.close()
    await server.wait_closed()
    print(json.dumps({"requests": server_state.requests, "answers": server_state.answers,
                      "wrong": server_state.wrong}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
