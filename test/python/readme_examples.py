"""Runs every ```python block of a Markdown file (the README), in order, in one namespace, as a
reader builds on the earlier ones; then synthesizes every app they made, so a wrong name, a prop
that does not exist or an app that fails validation fails here. The namespace starts with `app`
(a cdk.App) and `stack` (a cdk.Stack in it), which the README's examples take as given.

Usage: python readme_examples.py README.md
"""
import re
import sys
import traceback

import aws_cdk as cdk


def blocks(markdown: str):
    for match in re.finditer(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M):
        line = markdown.count("\n", 0, match.start()) + 2
        yield line, match.group(1)


def main(path: str) -> int:
    markdown = open(path, encoding="utf-8").read()
    app = cdk.App()
    env = cdk.Environment(account="123456789012", region="eu-north-1")
    namespace = {"app": app, "stack": cdk.Stack(app, "Readme", env=env)}
    apps = [app]
    found = list(blocks(markdown))
    if not found:
        print(f"{path}: no python examples found", file=sys.stderr)
        return 1
    for line, code in found:
        try:
            exec(compile(code, f"{path}:{line}", "exec"), namespace)
        except Exception:
            traceback.print_exc()
            print(f"{path}: the python example at line {line} failed", file=sys.stderr)
            return 1
        if isinstance(namespace.get("app"), cdk.App) and namespace["app"] not in apps:
            apps.append(namespace["app"])
        print(f"{path}:{line}: ran")
    for each in apps:
        assembly = each.synth()
        print(f"synthesized {len(assembly.stacks)} stacks: {', '.join(sorted(s.stack_name for s in assembly.stacks))}")
    print(f"{len(found)} python examples of {path} ran and synthesized")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
