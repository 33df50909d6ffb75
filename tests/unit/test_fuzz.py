"""A short, seeded run of the topology fuzzer (the long one is `nox -s fuzz`), and its own checks."""

from __future__ import annotations

import random
from pathlib import Path

from tests.support.fuzz import Report as FuzzReport
from tests.support.fuzz import check_input, fuzz, read_corpus, write_folder
from tests.support.mutate import MUTATIONS, mutated

SEED = 19
INPUTS = 40  # about 4 s on an idle machine; the in-process runs cost 0.05-0.2 s each


def test_short_fuzz_run_keeps_the_contract() -> None:
    """Exit 0 or 2, no traceback, nothing written when refused, in bounded time and (child) memory."""
    report = fuzz(SEED, INPUTS, render_every=20, subprocess_every=20)
    assert report.inputs == INPUTS
    assert report.child_runs == 2
    assert 0 < report.valid < INPUTS  # the mutations reach both outcomes
    assert not report.findings, "\n".join(f.format() for f in report.findings)


def test_every_mutation_changes_the_topology() -> None:
    corpus = read_corpus(Path("topology/cameroon"))
    for mutation in MUTATIONS:
        changed = 0
        for seed in range(20):
            files = dict(corpus)
            mutation(files, random.Random(seed))
            changed += files != corpus
        assert changed >= 10, mutation.__name__


def test_mutations_are_reproduced_from_their_seed() -> None:
    corpus = read_corpus(Path("topology/cameroon"))
    assert mutated(corpus, random.Random(7)) == mutated(corpus, random.Random(7))


def test_the_oracle_catches_a_render_that_writes_for_a_refused_topology(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The fuzzer's checks can fail: a render that writes its output before loading is caught."""
    import egovinfra.cli.topology_cmds as commands

    real = commands.load_plan

    def load_after_writing(path: Path | None, environment: str = "production") -> commands.Plan:
        (tmp_path / "in-out").mkdir(exist_ok=True)
        return real(path, environment)

    monkeypatch.setattr(commands, "load_plan", load_after_writing)
    files = read_corpus(Path("topology/cameroon"))
    files["topology.yaml"] = b"name: [broken\n"
    write_folder(tmp_path / "in", files)
    found = check_input(tmp_path / "in", render_valid=False, in_child=False, report=FuzzReport(0))
    assert [problem for problem, _ in found] == ["render wrote files for a refused topology"]
