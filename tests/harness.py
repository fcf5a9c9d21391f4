"""What the tests (and the benchmarks) share: their environment, Chromium, local servers, JupyterLab, memory.

Every server runs on a free localhost port in its own process group and is
stopped on exit; every wait is bounded. Nothing here reaches the internet.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil

from tools import ROOT

ARTIFACTS = ROOT / "test-artifacts"

# The one place that sets the test environment: the stored notebook outputs were made with the
# offline subset, and TensorFlow's start-up log lines would only be noise.
TEST_ENV = {"VAECOURSE_MNIST": "subset", "TF_CPP_MIN_LOG_LEVEL": "3"}
# The notebooks' kernels run TensorFlow on one thread in the tests: `make test` runs two at once on the two
# cores (nbval's, and the full-size run beside it: tests/runs.py), and two threads each would spin against
# each other. Measured with 02 (full-size) and 06 (subset): one thread each, side by side, 110 s; two threads
# each, side by side, 138 s; one after the other, 159 s on one thread and 204 s on two. One thread is also
# how the budget's calibration runs (tools/budget.py).
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
# The environment before anything here imported TensorFlow, which sets variables of its own on import
# (KMP_*, TF2_BEHAVIOR, ...): kernels and servers start from this one, as they would on a student's machine.
START_ENV = dict(os.environ)


def kernel_env(extra=None):
    """The environment of a kernel or server the tests start: the one we started in, TEST_ENV, ONE_THREAD,
    then ``extra``."""
    return {**START_ENV, **TEST_ENV, **ONE_THREAD, **(extra or {})}

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path():
    """Debian's Chromium (or $CHROMIUM), or None: Playwright cannot download its own browser here."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def require_chromium():
    """Skip the test with a hint where Chromium is missing, except in CI, where that fails it."""
    if chromium_path() is None:
        import pytest

        message = ("Chromium not found: install it (Debian/Ubuntu: sudo apt-get install chromium) "
                   "or set CHROMIUM=/path/to/chromium to run the browser tests.")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def launch_chromium(playwright):
    """A headless Chromium with the flags that make it run as root in a container, quietly."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)


def jupyter_lab(port, token, state, *extra):
    """The command for a JupyterLab server on localhost:``port``, set up as `make lab` sets it up.

    Its workspace and user settings live in the folder ``state``: in the user's own, JupyterLab would
    reopen whatever notebooks an earlier server (another test, the user's last session) left open,
    and start a kernel for each.
    """
    return [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            "--allow-root", f"--IdentityProvider.token={token}", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.workspaces_dir={Path(state) / 'workspaces'}",
            f"--LabApp.user_settings_dir={Path(state) / 'user-settings'}", *extra]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerFailed(RuntimeError):
    """A server exited or did not answer in time; the message ends with its log."""


@contextmanager
def server(command, url, *, cwd, env=None, log_name, timeout=90):
    """Start ``command`` in its own process group, wait until ``url`` answers, stop it (and its children) on exit.

    Yields the process. Its output goes to test-artifacts/<log_name>.log.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"{log_name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=kernel_env(env), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise ServerFailed(f"{command[0]} exited with {process.returncode}:\n"
                                       f"{log_path.read_text()[-2000:]}")
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise ServerFailed(f"{url} did not answer within {timeout} s:\n"
                                           f"{log_path.read_text()[-2000:]}") from None
                    time.sleep(0.5)
            yield process
        finally:
            stop(process)


def stop(process):
    """Stop a process and everything it started (its whole process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def tree_rss(pid):
    """Resident memory in bytes of a process and all its descendants (0 if it is gone)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


class MemoryWatcher:
    """The peak resident memory of a process tree (a server and its kernels), sampled every ``interval`` s.

    Set ``label`` to say what is happening; ``peak`` and ``during`` tell the highest sum and its label.
    A single kernel needs no watcher: it reports its own high-water mark (tools/notebooks.py).
    """

    def __init__(self, pid, interval=0.2):
        self.pid, self.interval, self.label = pid, interval, ""
        self.peak, self.during = 0, ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            rss = tree_rss(self.pid)
            if rss > self.peak:
                self.peak, self.during = rss, self.label
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)


def jupyterlab_url(port, token, path=""):
    return f"http://127.0.0.1:{port}/lab/tree/{path}?token={token}"


def run_all_cells(page, timeout=120_000):
    """In JupyterLab, on an open notebook: wait until its kernel is idle, then Run > Run All Cells.

    Cells sent to a kernel that is still starting can be lost, hence the wait.
    """
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=timeout)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()


@contextmanager
def static_server(folder, *, log_name="static-server"):
    """Serve ``folder`` as plain files (Python's http.server) on a free port; yields its base URL."""
    port, folder = free_port(), Path(folder).resolve()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)]
    with server(command, f"http://127.0.0.1:{port}/", cwd=folder, log_name=log_name):
        yield f"http://127.0.0.1:{port}/"


@contextmanager
def delayed_proxy(target_port, delay_s):
    """A local TCP proxy that holds every chunk ``delay_s`` seconds in each direction; yields its port.

    Put between a browser and a Jupyter server it adds 2 * delay_s to every
    round trip (HTTP and websocket alike), as a far-away kernel does, without
    anything leaving the machine.
    """
    port, loop, ready = free_port(), asyncio.new_event_loop(), threading.Event()

    async def pipe(source, target):
        queue = asyncio.Queue()

        async def deliver():
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not data:
                    target.close()
                    return
                target.write(data)
                await target.drain()

        sender = asyncio.create_task(deliver())
        try:
            while data := await source.read(65536):
                queue.put_nowait((loop.time() + delay_s, data))
            queue.put_nowait((loop.time() + delay_s, b""))
            await sender
        except (asyncio.CancelledError, ConnectionError, OSError):
            sender.cancel()

    async def connect(reader, writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer),
                                 return_exceptions=True)
        except (ConnectionError, OSError):
            writer.close()

    async def serve():
        server = await asyncio.start_server(connect, "127.0.0.1", port)
        ready.set()
        try:
            async with server:
                await server.serve_forever()
        except asyncio.CancelledError:
            pass

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield port
    finally:
        for task in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(task.cancel)
        thread.join(5)


WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, context=None):
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page (or within ``context``), one line each."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options)
    return [f"{violation['id']} ({violation['impact']}): {violation['help']}; "
            f"{len(violation['nodes'])} element(s), e.g. {violation['nodes'][0]['target']}: "
            f"{violation['nodes'][0].get('failureSummary', '')[:300]}"
            for violation in results.response["violations"]]
