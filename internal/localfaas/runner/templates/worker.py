"""e2e-faas-local's Python worker: serves one function's handler.py on
127.0.0.1 with the template's server (http: the standard library; flask;
fastapi with uvicorn). It reports "ready <port>" or "error <json string>" on
file descriptor 3. See LOCAL_RUNTIMES.md for the handler contracts.

Usage: python3 -u worker.py CODE_DIR DEPS_DIR TEMPLATE HANDLER_NAME
"""
import json
import os
import socket
import sys
import traceback

_report = os.fdopen(3, "w")


def report(line):
    _report.write(line + "\n")
    _report.close()


def fail(message):
    print(message, file=sys.stderr)
    report("error " + json.dumps(message))
    sys.exit(1)


def load(code_dir, deps_dir, template, handler_name):
    sys.path[:0] = [code_dir, deps_dir]
    needed = {"flask": ["flask"], "fastapi": ["fastapi", "uvicorn"]}.get(template, [])
    for module in needed:
        try:
            __import__(module)
        except ImportError as e:
            fail(
                "template %s needs the Python module %s, which %s cannot import (%s): install it "
                "(apt-get install python3-%s, or pip install %s), list it in requirements, "
                "or start e2e-faas-local with -python naming an interpreter that has it"
                % (template, module, sys.executable, e, module, module)
            )
    try:
        import handler
    except BaseException:
        fail("cannot import handler.py:\n" + traceback.format_exc(limit=-4))
    fn = getattr(handler, handler_name, None)
    if not callable(fn):
        fail("handler.py defines no function %r (handler_function)" % handler_name)
    return fn


class Event:
    """What the http template passes as the first argument: attributes, and
    item access for code that treats it as a dict."""

    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query, self.headers, self.body = method, path, query, headers, body

    def __getitem__(self, key):
        return getattr(self, key)

    def get(self, key, default=None):
        return getattr(self, key, default)


class Context:
    def __init__(self):
        self.hostname = socket.gethostname()
        self.function_name = os.environ.get("E2E_FUNCTION_NAME", "")
        self.namespace = os.environ.get("E2E_FUNCTION_NAMESPACE", "")
        self.version = os.environ.get("E2E_FUNCTION_VERSION", "")


def to_response(ret):
    """(status, headers, body bytes) from what an http handler returned."""
    status, headers, body = 200, {}, ret
    if isinstance(ret, dict) and ("statusCode" in ret or "body" in ret):
        status = int(ret.get("statusCode") or 200)
        headers = {str(k): str(v) for k, v in (ret.get("headers") or {}).items()}
        body = ret.get("body")
    content_type = None
    if body is None:
        data = b""
    elif isinstance(body, (bytes, bytearray)):
        data, content_type = bytes(body), "application/octet-stream"
    elif isinstance(body, str):
        data, content_type = body.encode(), "text/plain; charset=utf-8"
    else:
        data, content_type = json.dumps(body).encode(), "application/json"
    if content_type and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = content_type
    return status, headers, data


def serve_http(fn):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # no access log in the function's log
            pass

        def answer(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            event = Event(self.command, url.path, query, self.headers, body)
            try:
                status, headers, data = to_response(fn(event, Context()))
            except BaseException as e:
                traceback.print_exc()
                status, headers = 500, {"Content-Type": "text/plain; charset=utf-8"}
                data = ("handler raised %s: %s" % (type(e).__name__, e)).encode()
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = answer

    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    report("ready %d" % server.server_address[1])
    server.serve_forever()


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def serve_flask(fn):
    import logging

    from flask import Flask, request
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Flask("function")

    @app.route("/", defaults={"path": ""}, methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def main_route(path):
        return fn(request.get_data(as_text=True))

    server = make_server("127.0.0.1", 0, app, threaded=True)
    report("ready %d" % server.server_port)
    server.serve_forever()


def serve_fastapi(fn):
    import inspect

    import uvicorn
    from fastapi import FastAPI, Request
    from starlette.concurrency import run_in_threadpool

    app = FastAPI()

    @app.api_route("/{path:path}", methods=METHODS)
    async def main_route(request: Request, path: str = ""):
        if inspect.iscoroutinefunction(fn):
            return await fn(request)
        return await run_in_threadpool(fn, request)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    report("ready %d" % sock.getsockname()[1])
    server.run(sockets=[sock])


def main():
    code_dir, deps_dir, template, handler_name = sys.argv[1:5]
    fn = load(code_dir, deps_dir, template, handler_name)
    {"flask": serve_flask, "fastapi": serve_fastapi}.get(template, serve_http)(fn)


if __name__ == "__main__":
    main()
