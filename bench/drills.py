"""Every fault drill in a row, under each GCS storage mode, on one cluster of this machine.

For each mode (rocksdb, the default; memory, no fault tolerance; redis) the cluster
seedcore-bench is deployed with site.yml, then playbooks/drill.yml runs each fault
under a steady load (20 requests/s by default, only to the cluster's own loopback
port), and site.yml puts the cluster back to its shape between drills. Prints a
Markdown table (requests sent and failed, longest run of failures, seconds from the
fault to the last failure and to the shape back) and writes bench/results/drills.json
and one timeline PNG per drill under bench/results/drills/<mode>/.

Usage: python bench/drills.py [--modes rocksdb,memory,redis] [--faults head_crash,...]
       [--duration 60] [--rate 20] [--inventory bench/inventory/hosts.yml]
To drill your own cluster, run playbooks/drill.yml against its inventory instead.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import secrets
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FAULTS = ("head_crash", "head_restart", "worker_crash", "serve_crash", "scale_down", "upgrade")
# The upgrade drill runs site.yml under the load: the load must outlast it.
UPGRADE_MIN_DURATION = 180
MODES = ("rocksdb", "memory", "redis")
COLUMNS = (
    ("requests_sent", "sent"),
    ("requests_failed", "failed"),
    ("longest_failure_run_s", "longest failure run s"),
    ("last_failure_after_fault_s", "last failure after fault s"),
    ("shape_back_after_s", "shape back after s"),
    ("latency_p50_s", "p50 s"),
    ("latency_p99_s", "p99 s"),
)


def playbook(
    inventory: pathlib.Path, name: str, *extra: str, timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    bin_dir = pathlib.Path(sys.executable).parent
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    command = [str(bin_dir / "ansible-playbook"), "-i", str(inventory), name, *extra]
    try:
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        output = (
            (error.stdout or b"").decode(errors="replace")
            if isinstance(error.stdout, bytes)
            else (error.stdout or "")
        )
        return subprocess.CompletedProcess(command, 124, output, f"timed out after {timeout}s")


def checked(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")


def mode_vars(mode: str) -> list[str]:
    """Extra vars that pick a GCS storage mode; Redis gets a fresh password per run."""
    extra = {"seedcore_gcs_storage": mode}
    if mode == "redis":
        extra["seedcore_head_redis_password"] = REDIS_PASSWORD
    return ["-e", json.dumps(extra)]


REDIS_PASSWORD = secrets.token_urlsafe(24)


def drill(inventory: pathlib.Path, mode: str, fault: str, args: argparse.Namespace) -> dict:
    out = RESULTS / "drills" / mode
    duration = max(args.duration, UPGRADE_MIN_DURATION) if fault == "upgrade" else args.duration
    done = playbook(
        inventory,
        "playbooks/drill.yml",
        "-e",
        f"fault={fault}",
        *mode_vars(mode),
        "-e",
        f"drill_duration={duration}",
        "-e",
        f"drill_rate={args.rate}",
        "-e",
        f"drill_results_dir={out}",
    )
    figures_file = out / f"{fault}.json"
    figures = json.loads(figures_file.read_text()) if figures_file.is_file() else {}
    figures.update(mode=mode, fault=fault, drill_passed=done.returncode == 0)
    if done.returncode != 0:
        figures["drill_output"] = done.stdout[-3000:]
    return figures


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table(rows: list[dict]) -> str:
    head = ["mode", "fault", *(title for _, title in COLUMNS), "shape back"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        values = [row["mode"], row["fault"], *(cell(row.get(key)) for key, _ in COLUMNS)]
        values.append("yes" if row["drill_passed"] else "NO")
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument(
        "--inventory", type=pathlib.Path, default=ROOT / "bench" / "inventory" / "hosts.yml"
    )
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = parser.parse_args()
    modes, faults = args.modes.split(","), args.faults.split(",")
    unknown = sorted(set(modes) - set(MODES)) + sorted(set(faults) - set(FAULTS))
    if unknown:
        parser.error(f"unknown {', '.join(unknown)}; modes: {MODES}, faults: {FAULTS}")

    rows, started = [], time.time()
    try:
        for mode in modes:
            # A clean start per mode: the stored state of one mode is not the other's.
            checked(playbook(args.inventory, "teardown.yml"), "teardown.yml")
            deploy = playbook(args.inventory, "site.yml", *mode_vars(mode))
            checked(deploy, "site.yml")
            for fault in faults:
                print(f"drill {fault} ({mode})...", flush=True)
                rows.append(drill(args.inventory, mode, fault, args))
                print(table(rows[-1:]).splitlines()[-1], flush=True)
                # Back to the inventory's shape: scale_down's scale.yml recorded its
                # worker count, which site.yml would keep.
                if fault == "scale_down":
                    forget = playbook(args.inventory, "scale.yml", "-e", "workers=inventory")
                    checked(forget, "scale.yml -e workers=inventory")
                restore = playbook(args.inventory, "site.yml", *mode_vars(mode))
                checked(restore, f"site.yml after {fault}")
    finally:
        if not args.keep:
            playbook(args.inventory, "teardown.yml")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "seconds": round(time.time() - started, 1),
        "rate": args.rate,
        "duration": args.duration,
        "drills": rows,
    }
    (RESULTS / "drills.json").write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(rows))
    print(f"\nwrote {RESULTS / 'drills.json'} and PNGs under {RESULTS / 'drills'}")
    if not all(row["drill_passed"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
