"""The I/O floor of a compile: PyYAML's C loader and dumper on the same files, nothing else.

    python -m bench.yaml_floor SPEC_DIR RULES_DIR OUT_DIR

Reads every spec under SPEC_DIR with CSafeLoader, then writes every rule document
under RULES_DIR (loaded beforehand, untimed) with plain CSafeDumper to OUT_DIR.
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
    specs, rules, out = (Path(a) for a in sys.argv[1:4])
    documents = [(p.name, yaml.load(p.read_text(), Loader=yaml.CSafeLoader)) for p in sorted(rules.glob("*.yml"))]
    wall, cpu = time.perf_counter(), time.process_time()
    for path in sorted(specs.rglob("*.yaml")):
        yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents:
        (out / name).write_text(yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False, width=1 << 30))
    dump_wall, dump_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"load_wall_s": load_wall, "load_cpu_s": load_cpu, "dump_wall_s": dump_wall, "dump_cpu_s": dump_cpu}))


if __name__ == "__main__":
    main()
