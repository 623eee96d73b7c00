"""The I/O floor of a compile: PyYAML's C loader and dumper on the same files, nothing else.

    python -m bench.yaml_floor SPEC_DIR OUTPUT_DIR FLOOR_DIR

Reads every spec under SPEC_DIR with CSafeLoader, then writes every document slogen
wrote under OUTPUT_DIR (loaded beforehand, untimed) to FLOOR_DIR: rule files, promtool
test files and dashboards with plain CSafeDumper, the HTML report as the text it is.
Prints wall and CPU seconds of the two timed halves as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml


def main() -> None:
    """Time the floor's two halves; print them as JSON."""
    specs, output, out = (Path(a) for a in sys.argv[1:4])
    documents = []
    for path in sorted(p for p in output.rglob("*") if p.is_file() and not p.name.startswith(".")):
        name = path.relative_to(output).as_posix().replace("/", "__")
        if path.suffix == ".json":  # untimed: the fastest loader will do
            documents.append((name, json.loads(path.read_text())))
        elif path.suffix in (".yml", ".yaml"):
            documents.append((name, yaml.load(path.read_text(), Loader=yaml.CSafeLoader)))
        else:
            documents.append((name, path.read_text()))
    wall, cpu = time.perf_counter(), time.process_time()
    for path in sorted(specs.rglob("*.yaml")):
        yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents:
        text = document if isinstance(document, str) else yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False, width=1 << 30)
        (out / name).write_text(text)
    dump_wall, dump_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"load_wall_s": load_wall, "load_cpu_s": load_cpu, "dump_wall_s": dump_wall, "dump_cpu_s": dump_cpu}))


if __name__ == "__main__":
    main()
