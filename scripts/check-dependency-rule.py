#!/usr/bin/env python3
"""Rejects a declared dependency from one role module to another (STYLE.md: a role never
imports another role; only MeshAppliance knows every role). Reads `swift package dump-package`."""
import json
import subprocess
import sys

ROLES = {"MeshStore", "MeshRegistry", "MeshCA", "MeshCompiler", "MeshGateway", "MeshProxy", "MeshConsole"}
COMPOSERS = {"MeshAppliance", "meshbox"}

package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], text=True))
problems = []
for target in package["targets"]:
    name = target["name"]
    if target["type"] == "test" or name in COMPOSERS:
        continue
    for dependency in target.get("dependencies", []):
        dep = (dependency.get("byName") or dependency.get("target") or [None])[0]
        if dep in ROLES and (name in ROLES or name in {"MeshCore", "MeshModel", "MeshAPI", "MeshNet", "MeshDNS", "MeshRemote", "MeshTesting"}):
            problems.append(f"{name} depends on role module {dep}")
if problems:
    print("dependency rule violated (STYLE.md, 'Modules: roles over a small core'):")
    for problem in problems:
        print("  " + problem)
    sys.exit(1)
print("dependency rule: ok")
