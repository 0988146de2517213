#!/usr/bin/env python3
"""The YAML oracle: prints one JSON object {relative path: [documents]} for every *.yaml under a folder.

Each file is read with PyYAML's safe_load_all (the libyaml-backed CSafeLoader when available) and its
non-None documents are kept, as servestack's YAMLParser skips empty documents. The one change to PyYAML is
that timestamps stay strings (the timestamp resolver is removed), as YAMLParser keeps them. JSON has no
infinities or NaN, so those floats are written as {"$float": "inf" | "-inf" | "nan"}.

Usage: pyyaml_oracle.py FOLDER
"""
import json
import os
import sys

import yaml

BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(BASE):
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in BASE.yaml_implicit_resolvers.items()
}


def plain_json(value):
    """The value with non-finite floats replaced by {"$float": repr}."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return {"$float": repr(value)}
    if isinstance(value, list):
        return [plain_json(item) for item in value]
    if isinstance(value, dict):
        return {key: plain_json(item) for key, item in value.items()}
    return value


def main():
    root = sys.argv[1]
    result = {}
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            if not name.endswith(".yaml"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                documents = [d for d in yaml.load_all(handle.read(), Loader=Loader) if d is not None]
            result[os.path.relpath(path, root)] = plain_json(documents)
    sys.stdout.buffer.write(json.dumps(result, ensure_ascii=False, allow_nan=False).encode("utf-8"))


if __name__ == "__main__":
    main()
