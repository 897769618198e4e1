# SPDX-License-Identifier: MIT
"""Throws bad requests at serving_loop's /metrics while it records; checks it keeps serving and
loses nothing.

    python3 endpoint_abuse.py --serving-loop build/examples/serving_loop --workdir DIR

While the example's worker threads record a fixed number of requests each, this sends, on
127.0.0.1 only: malformed requests (garbage, bad request lines, unknown methods, bad versions),
other paths and methods, an oversized header and too many headers, half-sent requests that never
finish (held open), and 200 concurrent scrapes. Checks:
  * every bad request gets a 4xx status (or is closed without a 200), never a 200;
  * half-sent requests are closed by the server within its request timeout;
  * a scrape made while the half-sent requests are held is answered;
  * all 200 concurrent scrapes are answered with a complete exposition;
  * once recording stops, the final scrape counts every request the workers recorded (threads x
    requests, first calls apart): nothing recorded is lost, the recording threads finished their
    whole quota while the endpoint was under attack.
Every socket has a timeout; the whole run is bounded (about 15 s).
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

THREADS = 4
REQUESTS = 1500  # per worker thread, at 300/s: 5 s of recording
HOST = "127.0.0.1"


def server_environment():
    """The environment of a server this test starts: under ThreadSanitizer, the suppressions of
    civetweb.tsan.supp (a race inside Debian's CivetWeb, not in gputime) are added."""
    env = dict(os.environ)
    suppressions = os.path.join(os.path.dirname(os.path.abspath(__file__)), "civetweb.tsan.supp")
    env["TSAN_OPTIONS"] = ":".join(filter(None, [env.get("TSAN_OPTIONS"), "suppressions=" + suppressions]))
    return env


def exchange(port, payload, timeout=5.0, read=True):
    """Sends payload, returns (status or None, body bytes). None: closed without a status line."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.settimeout(timeout)
        try:
            s.sendall(payload)
        except OSError:
            pass  # the server may close before reading an oversized request whole
        if not read:
            return None, b""
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(match.group(1)) if match else None), data


def scrape(port, timeout=20.0):
    status, data = exchange(port, b"GET /metrics?format=text HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout)
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    return status, body


def steady_count(body):
    match = re.search(rb'gputime_request_seconds_count\{[^}]*time="device"\} (\d+)', body)
    return int(match.group(1)) if match else None


def first_call_count(body):
    match = re.search(rb'gputime_request_first_call_seconds_count\{[^}]*time="device"\} (\d+)', body)
    return int(match.group(1)) if match else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--serving-loop", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    samples = os.path.join(args.workdir, "abuse_samples.json")
    if os.path.exists(samples):
        os.remove(samples)
    log = open(os.path.join(args.workdir, "abuse_server.log"), "w+")
    server = subprocess.Popen([args.serving_loop, "--threads", str(THREADS), "--requests", str(REQUESTS),
                               "--rate", "300", "--record-seconds", "60", "--linger-seconds", "60",
                               "--samples-json", samples], stdout=log, stderr=subprocess.STDOUT,
                              env=server_environment())
    failures = []
    report = []
    try:
        port = None
        deadline = time.monotonic() + 10
        while port is None and time.monotonic() < deadline:
            log.seek(0)
            m = re.search(r"127\.0\.0\.1:(\d+)/metrics", log.read())
            port = int(m.group(1)) if m else None
            time.sleep(0.05)
        if port is None:
            raise SystemExit("endpoint_abuse: the server did not start")

        # 1. Malformed requests, other paths and methods: a 4xx or a close, never a 200.
        bad = {
            "garbage": b"\x00\x01\x02 garbage \xff\xfe\r\n\r\n",
            "no version": b"GET /metrics\r\n\r\n",
            "empty request line": b"\r\n\r\n",
            "unknown method": b"FOO /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
            "bad version": b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n",
            "header without colon": b"GET /metrics HTTP/1.1\r\nHost x\r\n\r\n",
            "other path": b"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n",
            "path traversal": b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
            "metrics subpath": b"GET /metrics/x HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST": b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
            "PUT": b"PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "DELETE": b"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
            "oversized header (64 KiB)": b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n",
            "oversized URI (16 KiB)": b"GET /metrics?" + b"a" * 16384 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            "100 headers": b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(100)) + b"\r\n",
            "40 headers": b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(40)) + b"\r\n",
        }
        for name, payload in bad.items():
            status, _ = exchange(port, payload)
            report.append(f"{name}: {status if status is not None else 'closed without an answer'}")
            if status is not None and not 400 <= status < 500:
                failures.append(f"{name}: status {status}, expected a 4xx")

        # 2. Half-sent requests that never finish: held open, then the server must close them.
        held = []
        for i in range(40):
            s = socket.create_connection((HOST, port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + (b"b" * i))  # never ends
            held.append(s)
        started = time.monotonic()
        status, body = scrape(port)
        report.append(f"scrape while 40 half-sent requests are held: {status} after {time.monotonic() - started:.2f} s")
        if status != 200 or steady_count(body) is None:
            failures.append(f"scrape while half-sent requests are held: status {status}")
        closed = 0
        for s in held:
            s.settimeout(10)
            try:
                data = s.recv(4096)
                while data:
                    data = s.recv(4096)
                closed += 1  # EOF: the server gave up on it
            except ConnectionResetError:
                closed += 1
            except socket.timeout:
                pass
            finally:
                s.close()
        report.append(f"half-sent requests closed by the server: {closed} of {len(held)}, "
                      f"all within {time.monotonic() - started:.2f} s")
        if closed != len(held):
            failures.append(f"half-sent requests: only {closed} of {len(held)} closed by the server")

        # 3. 200 concurrent scrapes.
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
            results = list(pool.map(lambda _: scrape(port, timeout=30), range(200)))
        answered = sum(1 for status, body in results if status == 200 and steady_count(body) is not None)
        report.append(f"200 concurrent scrapes: {answered} answered whole in {time.monotonic() - started:.2f} s")
        if answered != 200:
            failures.append(f"concurrent scrapes: {answered} of 200 answered")

        # 4. Nothing recorded is lost: wait for the workers to finish their quota, then count.
        deadline = time.monotonic() + 30
        while not os.path.exists(samples) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not os.path.exists(samples):
            raise SystemExit("endpoint_abuse: the workers did not finish recording")
        with open(samples) as f:
            recorded = json.load(f)["request_device"]
        per_thread = [len(t) for t in recorded]
        status, body = scrape(port)
        steady, first = steady_count(body), first_call_count(body)
        report.append(f"recorded per thread: {per_thread}; final scrape: {steady} steady + {first} first calls")
        if per_thread != [REQUESTS] * THREADS:
            failures.append(f"workers recorded {per_thread}, expected {REQUESTS} each")
        if steady != THREADS * (REQUESTS - 1) or first != THREADS:
            failures.append(f"final scrape counts {steady} steady + {first} first, expected "
                            f"{THREADS * (REQUESTS - 1)} + {THREADS}")
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.seek(0)
        report.append("server: " + " | ".join(line for line in log.read().splitlines() if line))
    print("\n".join("endpoint_abuse: " + line for line in report))
    if server.returncode != 0:
        failures.append(f"the server exited with {server.returncode}")
    if failures:
        print("endpoint_abuse: FAILED\n  " + "\n  ".join(failures))
        return 1
    print("endpoint_abuse: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
