"""The topology fuzzer: mutated copies of a topology through `validate` and `render`.

Every input is held to the contract for bad input: exit 0 or 2, never a traceback, render
writes nothing when the topology is refused (and says exactly what validate said), and each
run stays within a time bound. Runs are in-process for throughput (a run costs 0.05 to 0.2 s,
against about 1 s for a new interpreter); every `subprocess_every`-th input also runs the real
command line in a child process under an address-space limit, where peak memory is measured
and a quick exit or a crash of the interpreter would show.

    python -m tests.support.fuzz [--inputs 2000] [--seed 1] [--subprocess-every 50]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.mutate import Files, mutated

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BASE = ROOT / "topology" / "cameroon"
# Per command, in CPU seconds: wall time on a shared machine says more about its load than
# about the command (0.05 to 1 s of CPU a run). A hang uses no CPU: the wall bound catches it.
TIME_BOUND_S = 10.0
HANG_S = 60.0
MEMORY_BOUND_MIB = 300  # peak resident memory of one command, measured in the child process
ADDRESS_SPACE = 1 << 30  # the child's hard limit: a blow-up ends there, not in the machine's memory
# The same guard for the in-process runs: this much above what the process already maps (a
# test process may map GBs it never touches: thread arenas of an earlier gRPC client).
IN_PROCESS_HEADROOM = 4 << 30


@dataclass(frozen=True)
class Finding:
    """An input that broke the contract: which, how, and what was printed."""

    index: int
    mutations: tuple[str, ...]
    problem: str
    detail: str

    def format(self) -> str:
        """A paragraph for a person: the input's mutations, then what went wrong."""
        return f"input {self.index}: {self.problem}\n  mutations: {'; '.join(self.mutations)}\n  {self.detail[-1500:]}"


@dataclass
class Report:
    """What a fuzzing run did."""

    seed: int
    inputs: int = 0
    valid: int = 0
    rendered: int = 0
    child_runs: int = 0
    seconds: float = 0.0
    slowest_s: float = 0.0
    child_peak_mib: float = 0.0
    child_peak_input: str = ""
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph of figures."""
        return (
            f"seed {self.seed}: {self.inputs} inputs in {self.seconds:.1f} s "
            f"({self.valid} valid, {self.inputs - self.valid} refused; {self.rendered} valid ones rendered), "
            f"slowest command {self.slowest_s:.2f} s of CPU; {self.child_runs} child runs, "
            f"peak {self.child_peak_mib:.0f} MiB ({self.child_peak_input}); {len(self.findings)} finding(s)"
        )


@dataclass(frozen=True)
class Run:
    """One command's outcome."""

    code: int
    stderr: str
    seconds: float  # CPU: the process's own (in-process) or the child's
    crash: str = ""  # a traceback that escaped the command line's own handling


def read_corpus(base: Path) -> Files:
    """A topology folder as relative path → bytes."""
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*.yaml"))}


def write_folder(folder: Path, files: Files) -> None:
    """Lay `files` out as a topology folder (sites/ always exists, as in the default)."""
    (folder / "sites").mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def run_in_process(*args: str) -> Run:
    """`egovinfra ARGS` through the real entry point, in this process."""
    from egovinfra.cli import main

    err, crash = io.StringIO(), ""
    start = time.process_time()
    saved = sys.argv
    sys.argv = ["egovinfra", *args]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except MemoryError:  # formatting the traceback would need memory its frames still hold
        code, crash = 1, "MemoryError: the in-process address-space guard was reached"
    except BaseException:  # the finding itself: anything that escapes the command line
        code, crash = 1, traceback.format_exc()
    finally:
        sys.argv = saved
    return Run(code, err.getvalue(), time.process_time() - start, crash)


def run_child(*args: str) -> tuple[Run, float]:
    """`python -m egovinfra ARGS` in a child process under ADDRESS_SPACE; also its own peak RSS in MiB."""

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "egovinfra", *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            cwd=ROOT,
        )
        # Set from outside just after the start (preexec_fn is unsafe beside threads): the
        # interpreter is still starting and far below the limit.
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        # The child's own peak: ru_maxrss would also count the parent's memory that the child
        # shared until exec (vfork). VmHWM belongs to the program exec'd; it only grows.
        peak_kib = 0
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        while pid == 0:
            peak_kib = max(peak_kib, _vm_hwm_kib(proc.pid))
            if time.perf_counter() - start > HANG_S:
                proc.kill()
            time.sleep(0.005)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return Run(proc.returncode, stderr, usage.ru_utime + usage.ru_stime), peak_kib / 1024


def _vm_hwm_kib(pid: int) -> int:
    """The peak resident memory of a running process (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except (OSError, ValueError):
        return 0


def _contract(run: Run, command: str) -> str | None:
    """What is wrong with one command's outcome, if anything."""
    if run.crash:
        return f"{command}: exception escaped"
    if run.code not in (0, 2):
        return f"{command}: exit {run.code}"
    if "Traceback" in run.stderr:
        return f"{command}: traceback printed"
    if run.seconds > TIME_BOUND_S:
        return f"{command}: {run.seconds:.1f} s of CPU, over {TIME_BOUND_S} s"
    return None


def check_input(
    folder: Path, render_valid: bool, in_child: bool, report: Report, what: str = ""
) -> list[tuple[str, str]]:
    """Run one input through validate and render; (problem, detail) for each broken promise."""
    problems: list[tuple[str, str]] = []
    out = folder.parent / f"{folder.name}-out"
    validate = run_in_process("validate", str(folder))
    report.slowest_s = max(report.slowest_s, validate.seconds)
    if (bad := _contract(validate, "validate")) is not None:
        problems.append((bad, validate.crash or validate.stderr))
    valid = validate.code == 0
    report.valid += valid
    if not valid or render_valid:
        render = run_in_process("render", str(folder), "--out", str(out))
        report.slowest_s = max(report.slowest_s, render.seconds)
        report.rendered += valid
        if (bad := _contract(render, "render")) is not None:
            problems.append((bad, render.crash or render.stderr))
        elif render.code != validate.code:
            problems.append((f"validate exit {validate.code} but render exit {render.code}", render.stderr))
        elif not valid and out.exists():
            problems.append(("render wrote files for a refused topology", validate.stderr))
        elif not valid and render.stderr != validate.stderr:
            problems.append(("render and validate report different problems", render.stderr))
    if in_child:
        child, peak = run_child("validate", str(folder))
        report.child_runs += 1
        if peak > report.child_peak_mib:
            report.child_peak_mib, report.child_peak_input = peak, what
        if (bad := _contract(child, "validate (child process)")) is not None:
            problems.append((bad, child.stderr))
        elif child.code != validate.code:
            problems.append((f"in-process exit {validate.code}, child exit {child.code}", child.stderr))
        if peak > MEMORY_BOUND_MIB:
            problems.append((f"child peak memory {peak:.0f} MiB, over {MEMORY_BOUND_MIB} MiB", child.stderr))
    shutil.rmtree(out, ignore_errors=True)
    return problems


@contextlib.contextmanager
def _memory_guard() -> Iterator[None]:
    """A soft address-space limit on this process: a regression ends in MemoryError (a finding)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = _mapped_bytes() + IN_PROCESS_HEADROOM
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        yield  # already limited at least as tightly
        return
    resource.setrlimit(resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _mapped_bytes() -> int:
    """The address space this process maps now (VmSize)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))


def fuzz(
    seed: int,
    inputs: int,
    base: Path = DEFAULT_BASE,
    render_every: int = 10,
    subprocess_every: int = 50,
    progress: bool = False,
) -> Report:
    """Try `inputs` mutations of `base` from `seed`; every `render_every`-th valid one is also rendered."""
    corpus = read_corpus(base)
    rng = random.Random(seed)
    report = Report(seed)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="egov-fuzz-") as tmp, _memory_guard():
        for index in range(inputs):
            files, mutations = mutated(corpus, rng)
            folder = Path(tmp) / f"in{index}"
            write_folder(folder, files)
            in_child = subprocess_every > 0 and index % subprocess_every == 0
            what = f"input {index}: {'; '.join(mutations)}"
            for problem, detail in check_input(folder, report.valid % render_every == 0, in_child, report, what):
                report.findings.append(Finding(index, tuple(mutations), problem, detail))
            report.inputs += 1
            shutil.rmtree(folder)
            if progress and report.inputs % 250 == 0:
                print(f"{report.inputs} inputs, {len(report.findings)} finding(s)", file=sys.stderr, flush=True)
    report.seconds = time.perf_counter() - start
    return report


def main() -> None:
    """Command line of the long run (`nox -s fuzz`)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--render-every", type=int, default=4, help="render every N-th valid input")
    parser.add_argument("--subprocess-every", type=int, default=50, help="also run every N-th input as a child")
    args = parser.parse_args()
    report = fuzz(
        args.seed, args.inputs, render_every=args.render_every, subprocess_every=args.subprocess_every, progress=True
    )
    for finding in report.findings:
        print(finding.format(), file=sys.stderr)
    print(report.summary())
    sys.exit(1 if report.findings else 0)


if __name__ == "__main__":
    main()
