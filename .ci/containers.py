"""Static checks of the container files, since no container runtime can pull images
here: hadolint on the Dockerfile, and every DJCRM_* variable that compose.yaml and
the Dockerfile set checked against the keys `djcrm config --print-default` prints,
then given to `djcrm config`, which refuses unknown keys and bad values.

    python .ci/containers.py target/debug/djcrm
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def known_variables(djcrm: str) -> set[str]:
    printed = subprocess.run(
        [djcrm, "config", "--print-default"], check=True, capture_output=True, text=True
    ).stdout
    variables, section = set(), None
    for line in printed.splitlines():
        if m := re.fullmatch(r"\[(\w+)\]", line):
            section = m.group(1)
        elif section and (m := re.fullmatch(r"(?:# )?(\w+) = .*", line)):
            variables.add(f"DJCRM_{section}__{m.group(1)}".upper())
    return variables


def dockerfile_environment() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found.update(re.findall(r"(\w+)=(\S+)", line))
    return found


def compose_environments() -> dict[str, dict[str, str]]:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return {
        name: {k: str(v) for k, v in (service.get("environment") or {}).items()}
        for name, service in compose["services"].items()
        if service.get("image") == "djcrm" or "build" in service
    }


def check(where: str, environment: dict[str, str], djcrm: str, known: set[str]) -> list[str]:
    problems = [
        f"{where}: {key} is not a DJ CRM setting"
        for key in environment
        if key not in known
    ]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJCRM_")}
    result = subprocess.run(
        [djcrm, "config"], env={**clean, **environment}, capture_output=True, text=True
    )
    if result.returncode != 0:
        problems.append(f"{where}: djcrm config refuses it: {result.stderr.strip()}")
    return problems


def main() -> int:
    djcrm = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/djcrm")
    hadolint = Path(sys.executable).parent / "hadolint"
    lint = subprocess.run([str(hadolint), "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "Dockerfile")])
    problems = [] if lint.returncode == 0 else ["hadolint found problems in the Dockerfile"]
    known = known_variables(djcrm)
    services = compose_environments()
    if not services:
        problems.append("compose.yaml: no DJ CRM service")
    image = dockerfile_environment()
    problems += check("Dockerfile ENV", image, djcrm, known)
    for name, environment in services.items():
        # A container's environment is the image's, then the service's.
        problems += check(f"compose.yaml service {name}", {**image, **environment}, djcrm, known)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"containers: Dockerfile lint clean; {len(services)} services' settings valid")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
