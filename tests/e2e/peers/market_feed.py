#!/usr/bin/python3
"""A market-data feed for the end-to-end tests (python3-websockets 10.4), independent of wsyaml.

    /usr/bin/python3 tests/e2e/peers/market_feed.py --port 0 [--gap SYMBOL:SEQ ...]

prints `listening on ws://127.0.0.1:PORT` and serves until SIGTERM or SIGINT, then prints one
JSON line: {"subscriptions": N, "updates": M} (what it received and sent over all
connections).

On a text message {"op": "subscribe", "symbols": ["A", "B"], "count": N} it sends N updates
per symbol, interleaved across symbols (A1 B1 A2 B2 ...), as fast as it can:

    {"symbol": "A", "seq": 1, "price": 100.5}

seq counts 1..N per symbol; price is 100 + seq / 2 + the symbol's index. One update may be
left out, so the feed shows a gap: `"gap": {"symbol": "B", "at": 4}` in the subscribe
message, or `--gap B:4` on the command line (for every subscription). Optional in the
message: "delay_ms" between two updates (default 0). Anything else gets
{"error": "unknown op"}; a connection ends when the client closes it.
"""
import argparse
import asyncio
import json
import signal
import sys

import websockets


class Feed:
    def __init__(self, gaps):
        self.gaps = gaps  # set of (symbol, seq) left out of every subscription
        self.subscriptions = 0
        self.updates = 0

    async def publish(self, ws, request):
        symbols = [str(s) for s in request.get("symbols", [])]
        count = int(request.get("count", 0))
        delay = float(request.get("delay_ms", 0)) / 1000
        gaps = set(self.gaps)
        gap = request.get("gap")
        if isinstance(gap, dict):
            gaps.add((str(gap.get("symbol")), int(gap.get("at", 0))))
        self.subscriptions += 1
        for seq in range(1, count + 1):
            for index, symbol in enumerate(symbols):
                if (symbol, seq) in gaps:
                    continue
                update = {"symbol": symbol, "seq": seq, "price": 100 + seq / 2 + index}
                await ws.send(json.dumps(update, separators=(",", ":")))
                self.updates += 1
                if delay:
                    await asyncio.sleep(delay)

    async def handler(self, ws):
        try:
            async for message in ws:
                try:
                    request = json.loads(message)
                except (TypeError, ValueError):
                    request = None
                if isinstance(request, dict) and request.get("op") == "subscribe":
                    await self.publish(ws, request)
                else:
                    await ws.send(json.dumps({"error": "unknown op"}))
        except websockets.ConnectionClosed:
            pass


def parse_gap(text):
    symbol, _, seq = text.rpartition(":")
    return symbol, int(seq)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--gap", action="append", default=[], type=parse_gap,
                        help="SYMBOL:SEQ, an update left out of every subscription (repeatable)")
    args = parser.parse_args()
    feed = Feed(set(args.gap))
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            signum, lambda: stop.done() or stop.set_result(None))
    server = await websockets.serve(feed.handler, "127.0.0.1", args.port, ping_interval=None)
    print(f"listening on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await stop
    server.close()
    await server.wait_closed()
    print(json.dumps({"subscriptions": feed.subscriptions, "updates": feed.updates}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
