// Echo servers for tools/bench/socketio_bench.py, both in node so the two round trips differ
// only by the protocol: a socket.io server (websocket transport) that emits every event back
// with its arguments, and a plain `ws` server that echoes every frame. Prints
// `socketio PORT` and `raw PORT`; runs until SIGTERM.
"use strict";
const http = require("http");
const path = require("path");
const modules = path.join(__dirname, "..", "..", "tests", "e2e", "peers", "node", "node_modules");
const { Server } = require(path.join(modules, "socket.io"));
const { WebSocketServer } = require(path.join(modules, "ws"));

const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ["websocket"] });
io.on("connection", (socket) => {
  socket.onAny((event, ...args) => socket.emit(event, ...args));
});
httpServer.listen(0, "127.0.0.1", () => {
  console.log(`socketio ${httpServer.address().port}`);
  const raw = new WebSocketServer({ host: "127.0.0.1", port: 0 }, () => {
    console.log(`raw ${raw.address().port}`);
  });
  raw.on("connection", (ws) => ws.on("message", (data, binary) => ws.send(data, { binary })));
});
process.on("SIGTERM", () => process.exit(0));
