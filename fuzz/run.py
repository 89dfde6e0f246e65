"""Run every fuzz harness for a while; print executions and crashes per harness.

    .venv/bin/python fuzz/run.py --seconds 60      # what `make fuzz` runs

libFuzzer stops at the first crash, so a harness that crashes is started again on the
same (grown) corpus until its time is spent, up to ``MAX_STARTS`` starts; each distinct
crash (exception and the line that raised it) is listed once, with the input that
caused it. Exit status 1 when any harness crashed. Nothing is written inside the project:
corpus, logs and crash inputs go to a temporary folder, named in the output.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import write_corpus

from scholarscope.ingest import FORMATS

HERE = Path(__file__).resolve().parent
# harness -> whether its seeds start with a format byte (see fuzz_parsers.py)
HARNESSES = {"fuzz_ingest.py": False, "fuzz_parsers.py": True}
MAX_STARTS = 10
_EXECUTED = re.compile(r"stat::number_of_executed_units: (\d+)|^Done (\d+) runs", re.MULTILINE)
_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)')


def run_harness(harness: str, seconds: float, out: Path) -> tuple[int, dict[str, Path]]:
    """Fuzz with one harness for ``seconds``: (executions, {crash: input})."""
    folder = out / Path(harness).stem
    corpus = folder / "corpus"
    write_corpus(corpus, with_format_byte=HARNESSES[harness], formats=list(FORMATS))
    crashes: dict[str, Path] = {}
    executions = 0
    deadline = time.monotonic() + seconds
    for start in range(1, MAX_STARTS + 1):
        left = int(deadline - time.monotonic())
        if left < 2:
            break
        artifacts = folder / f"start-{start}"
        artifacts.mkdir()
        command = [
            sys.executable,
            str(HERE / harness),
            f"-max_total_time={left}",
            "-timeout=30",  # one input running 30 s counts as a crash (a hang)
            "-print_final_stats=1",
            f"-artifact_prefix={artifacts}/",
            str(corpus),
        ]
        log = folder / f"start-{start}.log"
        with open(log, "w") as output:
            result = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, cwd=HERE)
        text = log.read_text(errors="replace")
        counts = [int(a or b) for a, b in _EXECUTED.findall(text)]
        executions += max(counts, default=0)
        found = sorted(artifacts.iterdir())
        if result.returncode == 0 and not found:
            break
        key = crash_key(text) or f"exit status {result.returncode}: see {log}"
        if not any(seen.split(":")[0] == key.split(":")[0] for seen in crashes):
            crashes[key] = found[0] if found else log
    return executions, crashes


def crash_key(log: str) -> str | None:
    """``ExceptionType at file:line in function: message`` for the log's last traceback,
    placed at its last frame in scholarscope's code (where the input should have been
    rejected), else its last frame. The same bug found twice gives the same key but for
    the message, so only the part before the colon identifies it."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return None
    frames: list[re.Match[str]] = []
    for line in lines[starts[-1] + 1 :]:
        match = _FRAME.match(line)
        if match:
            frames.append(match)
        elif frames and line and not line[0].isspace():
            ours = [frame for frame in frames if "scholarscope" in frame[1]]
            path, number, function = (ours or frames)[-1].groups()
            error, _, message = line.partition(":")
            return f"{error} at {Path(path).name}:{number} in {function}:{message[:120]}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per harness")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="scholarscope-fuzz-"))
    print(f"fuzzing {len(HARNESSES)} harnesses, {args.seconds:.0f} s each; work in {out}")
    total_crashes = 0
    for harness in HARNESSES:
        executions, crashes = run_harness(harness, args.seconds, out)
        total_crashes += len(crashes)
        print(f"{harness}: {executions:,} executions, {len(crashes)} distinct crash(es)")
        for key, path in crashes.items():
            print(f"  crash: {key}\n         input: {path}")
    sys.exit(1 if total_crashes else 0)


if __name__ == "__main__":
    main()
