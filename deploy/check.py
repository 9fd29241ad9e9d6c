"""Checks the manifests in deploy/ offline, as `cargo xtask test` runs it.

Every Kubernetes object is validated strictly (unknown fields are errors) against the schemas
that kubernetes-validate bundles, for the oldest and the newest Kubernetes the manifests target;
a SpinApp, which those schemas do not know, against schemas/spinapp.json, SpinKube's documented
SpinApp spec. An object of any other kind, or a file with nothing in it, is an error: nothing
goes unchecked.

Usage: python check.py [DIR]      (DIR defaults to this script's folder)
"""

import json
import pathlib
import sys

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES = ["1.30.0", "1.37.0"]


def main():
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent)
    spinapp = json.loads((pathlib.Path(__file__).parent / "schemas" / "spinapp.json").read_text())
    failures, checked = [], 0
    files = sorted(folder.glob("*.yaml"))
    if not files:
        sys.exit(f"no manifests (*.yaml) in {folder}")
    for path in files:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        if not documents:
            failures.append(f"{path.name}: no Kubernetes object in the file")
        for doc in documents:
            name = f"{path.name}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            try:
                if doc.get("kind") == "SpinApp":
                    errors = list(jsonschema.Draft202012Validator(spinapp).iter_errors(doc))
                    for e in errors:
                        failures.append(f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
                    if errors:
                        continue
                    print(f"ok   {name} (SpinKube's SpinApp spec)")
                else:
                    for version in KUBERNETES:
                        kubernetes_validate.validate(doc, version, strict=True)
                    print(f"ok   {name} (Kubernetes {', '.join(KUBERNETES)}, strict)")
                checked += 1
            except kubernetes_validate.utils.ValidationError as e:
                failures.append(f"{name}: {'/'.join(map(str, e.path))}: {e.message}")
            except kubernetes_validate.utils.SchemaNotFoundError as e:
                failures.append(f"{name}: no schema to check it against ({e})")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{checked} objects checked, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
