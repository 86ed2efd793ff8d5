"""Runs every ```python block of Markdown pages (the README, docs/*.md), each page in order in a
namespace of its own, as a reader builds on a page's earlier blocks; then synthesizes every app
they made, so a wrong name, a prop that does not exist or an app that fails validation fails
here. Each page's namespace starts with the prelude its examples may assume (the same names the
TypeScript blocks may, test/readme-typescript.test.ts): `app` (a cdk.App), `stack` (a cdk.Stack
in it), `vpc`, `sitespeed` (a SitespeedCluster), `shop` (one of its sites) and `schedule`. The
prelude's constructs have ids of their own (Prelude*), so a page may make its own `Vpc` or
`Sitespeed`.

Usage: python readme_examples.py README.md docs/*.md
"""
import re
import sys
import traceback

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk.aws_scheduler import ScheduleExpression
from cdk_sitespeed import SiteUrl, SitespeedCluster


def blocks(markdown: str):
    for match in re.finditer(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M):
        line = markdown.count("\n", 0, match.start()) + 2
        yield line, match.group(1)


def prelude() -> dict:
    app = cdk.App()
    stack = cdk.Stack(app, "Docs", env=cdk.Environment(account="123456789012", region="eu-north-1"))
    vpc = ec2.Vpc(stack, "PreludeVpc", nat_gateways=0,
                  subnet_configuration=[ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)])
    sitespeed = SitespeedCluster(stack, "PreludeCluster", vpc=vpc)
    schedule = ScheduleExpression.rate(cdk.Duration.hours(1))
    shop = sitespeed.add_site("PreludeShop", slug="prelude-shop", schedule=schedule, urls=[SiteUrl(url="https://shop.example.com/")])
    return {"app": app, "stack": stack, "vpc": vpc, "sitespeed": sitespeed, "shop": shop, "schedule": schedule}


def run_page(path: str) -> int:
    markdown = open(path, encoding="utf-8").read()
    namespace = prelude()
    apps = [namespace["app"]]
    found = list(blocks(markdown))
    for line, code in found:
        try:
            exec(compile(code, f"{path}:{line}", "exec"), namespace)
        except Exception:
            traceback.print_exc()
            print(f"{path}: the python example at line {line} failed", file=sys.stderr)
            return -1
        if isinstance(namespace.get("app"), cdk.App) and namespace["app"] not in apps:
            apps.append(namespace["app"])
        print(f"{path}:{line}: ran")
    for each in apps:
        assembly = each.synth()
        print(f"{path}: synthesized {len(assembly.stacks)} stacks: {', '.join(sorted(s.stack_name for s in assembly.stacks))}")
    return len(found)


def main(paths: list) -> int:
    total = 0
    for path in paths:
        ran = run_page(path)
        if ran < 0:
            return 1
        total += ran
    if total == 0:
        print(f"{', '.join(paths)}: no python examples found", file=sys.stderr)
        return 1
    print(f"{total} python examples of {len(paths)} pages ran and synthesized")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
