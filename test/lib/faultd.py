#!/usr/bin/python3
"""ukiboot's fault-injecting HTTP(S) server for the download tests: one file, served right or wrong by path.

    faultd.py FILE PORTFILE [--tls CERT KEY]

Listens on 127.0.0.1 (a free port, written to PORTFILE once it listens; with --tls a second, https port
follows on the next line) and logs one line per request to stdout: "METHOD PATH RANGE -> WHAT".
Paths (any name after them is ignored, so /reset/basic.efi is /reset):
  /ok            the file (200; a "Range: bytes=N-" gets 206 and the rest)
  /redirect      302 to /ok                      /redirect-abs  302 to http://HOST/ok (the Host header)
  /redirect-once 302 to /reset-once (a redirect, then a resume, then the whole file)
  /loop          302 to /loop, forever           /to-tftp       302 to tftp://10.0.2.2/basic.efi
  /downgrade     302 to http://HOST/ok (meant for the https port)
  /reset         256 KiB of the body (or of the range asked for), then a TCP reset, on every request
  /reset-once    1 MiB, then a reset; the Range requests that follow are served (resumed: the whole file)
  /no-range      like /reset-once, but a Range request gets 200 and the whole file again
  /short         half the body (or of the range asked for), then a clean close, on every request
  /long          Content-Length 4096 short of the file, then the whole file
  /stall         64 KiB, then nothing for 10 minutes
  /trickle       1 KiB a second
  /chunked       Transfer-Encoding: chunked, well formed      /chunked-bad   chunked with a broken size line
  /empty         200 with Content-Length 0                    /no-location   302 without a Location
"""
import os, re, socket, ssl, struct, sys, threading, time

data = open(sys.argv[1], "rb").read()
size = len(data)
once_done = set()
lock = threading.Lock()


def log(*a):
    with lock:
        print(*a, flush=True)


def head(code, reason, headers):
    lines = [f"HTTP/1.1 {code} {reason}"] + [f"{k}: {v}" for k, v in headers] + ["Connection: close", "", ""]
    return "\r\n".join(lines).encode()


def reset(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def serve(conn, tls_port):
    conn.settimeout(30)
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = conn.recv(4096)
        if not chunk:
            return
        req += chunk
    lines = req.split(b"\r\n")
    parts = lines[0].decode(errors="replace").split(" ")
    path = parts[1] if len(parts) > 1 else "/"
    hdr = {}
    for l in lines[1:]:
        if b":" in l:
            k, v = l.split(b":", 1)
            hdr[k.strip().lower().decode()] = v.strip().decode(errors="replace")
    host = hdr.get("host", "127.0.0.1")
    m = re.match(r"bytes=(\d+)-$", hdr.get("range", ""))
    start = int(m.group(1)) if m else None
    kind = "/" + path.strip("/").split("/")[0]
    log(f"GET {path} {hdr.get('range', '-')} -> {kind}")

    def whole(code=200):
        if start is not None and code == 200 and start < size:
            conn.sendall(head(206, "Partial Content", [("Content-Length", size - start),
                                                        ("Content-Range", f"bytes {start}-{size - 1}/{size}")]))
            conn.sendall(data[start:])
        else:
            conn.sendall(head(200, "OK", [("Content-Length", size)]))
            conn.sendall(data)
        conn.close()

    first = start if start is not None and start < size else 0

    def partial_head():     # the answer to the request as a server that resumes gives it (206 from `first`)
        if first:
            return head(206, "Partial Content", [("Content-Length", size - first),
                                                 ("Content-Range", f"bytes {first}-{size - 1}/{size}")])
        return head(200, "OK", [("Content-Length", size)])

    def redirect(to):
        conn.sendall(head(302, "Found", [("Location", to), ("Content-Length", 0)]))
        conn.close()

    if kind == "/ok":
        whole()
    elif kind == "/redirect":
        redirect("/ok/basic.efi")
    elif kind == "/redirect-once":
        redirect("/reset-once/basic.efi")
    elif kind == "/redirect-abs":
        redirect(f"http://{host}/ok/basic.efi")
    elif kind == "/loop":
        redirect(path)
    elif kind == "/to-tftp":
        redirect("tftp://10.0.2.2/basic.efi")
    elif kind == "/downgrade":
        redirect(f"http://{host.split(':')[0]}/ok/basic.efi")
    elif kind == "/reset":
        conn.sendall(partial_head() + data[first:first + (256 << 10)])
        time.sleep(0.2)
        reset(conn)
    elif kind in ("/reset-once", "/no-range"):
        if start is None:
            conn.sendall(head(200, "OK", [("Content-Length", size)]) + data[:1 << 20])
            time.sleep(0.2)
            reset(conn)
        elif kind == "/no-range":
            conn.sendall(head(200, "OK", [("Content-Length", size)]))
            conn.sendall(data)
            conn.close()
        else:
            whole()
    elif kind == "/short":
        conn.sendall(partial_head() + data[first:first + (size - first) // 2])
        conn.close()
    elif kind == "/long":
        conn.sendall(head(200, "OK", [("Content-Length", size - 4096)]) + data)
        conn.close()
    elif kind == "/stall":
        conn.sendall(head(200, "OK", [("Content-Length", size)]) + data[:64 << 10])
        time.sleep(600)
        conn.close()
    elif kind == "/trickle":
        conn.sendall(head(200, "OK", [("Content-Length", size)]))
        for i in range(0, size, 1024):
            conn.sendall(data[i:i + 1024])
            time.sleep(1)
        conn.close()
    elif kind == "/empty":
        conn.sendall(head(200, "OK", [("Content-Length", 0)]))
        conn.close()
    elif kind == "/no-location":
        conn.sendall(head(302, "Found", [("Content-Length", 0)]))
        conn.close()
    elif kind == "/chunked":
        conn.sendall(head(200, "OK", [("Transfer-Encoding", "chunked")]))
        for i in range(0, size, 1 << 16):
            piece = data[i:i + (1 << 16)]
            conn.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        conn.sendall(b"0\r\n\r\n")
        conn.close()
    elif kind == "/chunked-bad":
        conn.sendall(head(200, "OK", [("Transfer-Encoding", "chunked")]) + b"zz-not-hex\r\n" + data[:4096])
        conn.close()
    else:
        conn.sendall(head(404, "Not Found", [("Content-Length", 0)]))
        conn.close()


def listen(ctx):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def accept_loop(s, ctx):
    while True:
        conn, _ = s.accept()

        def run(conn=conn):
            try:
                if ctx:
                    conn = ctx.wrap_socket(conn, server_side=True)
                serve(conn, None)
            except (OSError, ssl.SSLError):
                pass
        threading.Thread(target=run, daemon=True).start()


plain = listen(None)
ports = [str(plain.getsockname()[1])]
threads = [threading.Thread(target=accept_loop, args=(plain, None), daemon=True)]
if "--tls" in sys.argv:
    i = sys.argv.index("--tls")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
    secure = listen(ctx)
    ports.append(str(secure.getsockname()[1]))
    threads.append(threading.Thread(target=accept_loop, args=(secure, ctx), daemon=True))
for t in threads:
    t.start()
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("\n".join(ports) + "\n")
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
threading.Event().wait()
