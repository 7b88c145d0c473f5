#!/usr/bin/python3
"""An independent crocochat server, written with python3-websockets (Debian 12: 10.4).

It speaks the protocol of docs/chat-protocol.md, like `wsyaml serve chat`, so that the
end-to-end tests can run scenarios/chat.yaml against a server that shares no code with
wsyaml. Usage:

    /usr/bin/python3 tests/server/crocochat_server.py --port 0

prints `listening on ws://127.0.0.1:PORT`, serves until SIGTERM or SIGINT, then prints what it
saw as one JSON line with the same field names as `wsyaml serve` (connections, frames_in,
frames_out, bytes_in, bytes_out, closes, set_names, says, leaves, errors_sent, ...) and exits 0.
"""
import argparse
import asyncio
import http
import json
import signal
import sys

import websockets

PREFIX = "/ws/crocochat/"


def room_of(path):
    """The room of /ws/crocochat/<room>/ (trailing slash optional, query ignored), or None."""
    path = path.split("?", 1)[0]
    if not path.startswith(PREFIX):
        return None
    room = path[len(PREFIX):]
    if room.endswith("/"):
        room = room[:-1]
    if not room or "/" in room:
        return None
    return room


class Chat:
    def __init__(self):
        self.rooms = {}
        self.counts = dict.fromkeys(
            ["connections", "open", "rejected", "frames_in", "frames_out", "bytes_in",
             "bytes_out", "closes", "set_names", "says", "leaves", "errors_sent"], 0)

    def send(self, ws, text):
        if ws.open:
            websockets.broadcast([ws], text)
            self.counts["frames_out"] += 1
            self.counts["bytes_out"] += len(text.encode())

    def broadcast(self, room, user, message):
        text = json.dumps({"event": "CHAT_MSG", "user": user, "message": message})
        for member in list(self.rooms.get(room, ())):
            self.send(member, text)

    def error(self, ws, message):
        self.counts["errors_sent"] += 1
        self.send(ws, json.dumps({"event": "ERROR", "message": message}))

    async def process_request(self, path, _headers):
        if room_of(path) is None:
            self.counts["rejected"] += 1
            return (http.HTTPStatus.NOT_FOUND, [],
                    b"not a chat room: use /ws/crocochat/<room>/\n")
        return None

    async def handler(self, ws):
        room = room_of(ws.path)
        self.counts["connections"] += 1
        self.counts["open"] += 1
        self.rooms.setdefault(room, set()).add(ws)
        state = {"name": None, "leaving": False}
        try:
            async for message in ws:
                self.counts["frames_in"] += 1
                raw = message.encode() if isinstance(message, str) else message
                self.counts["bytes_in"] += len(raw)
                if state["leaving"]:
                    continue
                await self.on_event(ws, room, state, raw)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.rooms.get(room, set()).discard(ws)
            if state["name"] and not state["leaving"]:
                self.broadcast(room, "server", state["name"] + " left the chat")
            self.counts["open"] -= 1
            self.counts["closes"] += 1

    async def on_event(self, ws, room, state, raw):
        try:
            event = json.loads(raw)
        except ValueError:
            event = None
        if not isinstance(event, dict):
            self.error(ws, 'invalid JSON: expected an object like {"event":"SAY","message":"hi"}')
            return
        kind = event.get("event")
        if not isinstance(kind, str):
            self.error(ws, 'missing "event"')
        elif kind == "SET_NAME":
            name = event.get("new_name")
            if not isinstance(name, str) or not name:
                self.error(ws, 'SET_NAME needs a non-empty string "new_name"')
                return
            self.counts["set_names"] += 1
            old, state["name"] = state["name"], name
            notice = name + " joined the chat" if old is None else old + " is now known as " + name
            self.broadcast(room, "server", notice)
        elif kind == "SAY":
            if state["name"] is None:
                self.error(ws, "SAY before SET_NAME: set a name first")
            elif not isinstance(event.get("message"), str):
                self.error(ws, 'SAY needs a string "message"')
            else:
                self.counts["says"] += 1
                self.broadcast(room, state["name"], event["message"])
        elif kind == "LEAVE":
            self.counts["leaves"] += 1
            state["leaving"] = True
            self.rooms.get(room, set()).discard(ws)
            if state["name"]:
                self.broadcast(room, "server", state["name"] + " left the chat")
            await ws.close(1000, "left the chat")
        else:
            self.error(ws, "unknown event: " + kind)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    chat = Chat()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            signum, lambda: stop.done() or stop.set_result(None))
    server = await websockets.serve(chat.handler, "127.0.0.1", args.port,
                                    process_request=chat.process_request, ping_interval=None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}", flush=True)
    await stop
    server.close()
    await server.wait_closed()
    print(json.dumps(chat.counts, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
