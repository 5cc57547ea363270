"""Peak memory of the server while it takes pictures (issue #15: ≤ 150 MB on a 512 MB Pi).

    .venv/bin/python benchmarks/upload_bench.py

For each case a fresh `pos serve` (waitress, 8 threads) on a fresh `pos demo` coop; the admin
logs in through the PIN form, then the case's uploads go through the real forms (an expense
photo, a product photo, the receipt logo). The server's own peak RSS (`VmHWM`) is read after
each case, beside its peak after logging in only. Cases: a 12 MP phone-like photo (noisy
4000 × 3000 JPEG), four of them at once, a 9400 × 9400 PNG (refused from its header), the
largest PNG accepted (8 MP, RGBA), and the receipt logo from that same PNG.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/serving.py, shared
from tests.serving import free_port, serve_command, wait_until_listening  # noqa: E402

GOAL_MB = 150
EXPENSE = {
    "supplier": "Jardinerie",
    "spent_on": "2026-06-02",
    "total": "24,90",
    "vat_rate": "20",
    "category": "materials",
    "paid_from": "bank",
    "label": "terreau",
}


def phone_photo() -> bytes:
    """A 12 MP JPEG with noise, about what a phone writes (a few MB)."""
    noise = Image.effect_noise((4000, 3000), 40).convert("L")
    image = Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(Image.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def png(width: int, height: int, mode: str) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 0).save(out, "PNG")
    return out.getvalue()


def peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


class Server:
    def __init__(self, folder: Path):
        self.db = folder / "coop.db"
        subprocess.run(
            [sys.executable, "-m", "pos.cli", "demo", "--db", str(self.db), "--force"],
            check=True,
            capture_output=True,
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            serve_command(self.db, self.port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_listening(self.process, self.port, 30, lambda: "the server stopped")

    def admin(self) -> tuple[requests.Session, str]:
        session = requests.Session()
        login = session.get(f"{self.url}/login").text
        admin_id = re.search(r'href="/login/(\d+)"[^>]*>\s*Awa', login).group(1)
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', session.get(f"{self.url}/login/{admin_id}").text
        ).group(1)
        session.post(f"{self.url}/login/{admin_id}", data={"pin": "1234", "csrf_token": token})
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', session.get(f"{self.url}/stock/expenses/new").text
        ).group(1)
        return session, token

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def upload(server: Server, kind: str, data: bytes) -> int:
    session, token = server.admin()
    headers = {"X-CSRFToken": token}
    if kind == "expense":
        answer = session.post(
            f"{server.url}/stock/expenses",
            data=EXPENSE,
            headers=headers,
            files={"photo": ("ticket.jpg", data)},
        )
    elif kind == "product":
        answer = session.post(
            f"{server.url}/admin/products/1",
            data={"name": "Kokedama", "price": "12,50", "vat_rate": "20", "color": "#2e7d32"},
            headers=headers,
            files={"photo": ("p.png", data)},
        )
    else:
        answer = session.post(
            f"{server.url}/admin/settings",
            data={"brand": "Kokés", "legal_name": "CAE", "siret": "90000000100017"},
            headers=headers,
            files={"logo": ("logo.png", data)},
        )
    return answer.status_code


def run_case(name: str, uploads: list[tuple[str, bytes]]) -> tuple[str, float, float, list]:
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder))
        try:
            server.admin()
            idle = peak_mb(server.process.pid)
            statuses: list[int] = []
            threads = [
                threading.Thread(target=lambda k=k, d=d: statuses.append(upload(server, k, d)))
                for k, d in uploads
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return name, idle, peak_mb(server.process.pid), statuses
        finally:
            server.stop()


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    photo = phone_photo()
    bomb = png(9400, 9400, "1")
    largest = png(3264, 2448, "RGBA")
    print(
        f"12 MP photo {len(photo) / 1e6:.1f} MB, 9400² PNG {len(bomb) / 1e3:.0f} kB,"
        f" 8 MP RGBA PNG {len(largest) / 1e3:.0f} kB"
    )
    cases = [
        ("12 MP photo, expense", [("expense", photo)]),
        ("12 MP photo, product tile", [("product", photo)]),
        ("4 × 12 MP photos at once", [("expense", photo)] * 4),
        ("9400 × 9400 PNG, expense (refused)", [("expense", bomb)]),
        ("9400 × 9400 PNG, logo (refused)", [("logo", bomb)]),
        ("8 MP RGBA PNG (largest accepted), expense", [("expense", largest)]),
        ("8 MP RGBA PNG, receipt logo", [("logo", largest)]),
    ]
    print(f"{'case':46} {'after login':>12} {'peak':>8}  answers")
    worst = 0.0
    for name, uploads in cases:
        name, idle, peak, statuses = run_case(name, uploads)
        worst = max(worst, peak)
        print(f"{name:46} {idle:9.0f} MB {peak:5.0f} MB  {sorted(statuses)}")
    print(f"worst peak {worst:.0f} MB (goal ≤ {GOAL_MB} MB)")
    return 0 if worst <= GOAL_MB else 1


if __name__ == "__main__":
    sys.exit(main())
