"""The reference deployment's prod stage through the Python bindings of cdk-sitespeed.

It mirrors examples/app.ts line for line (same construct ids, same props), and
`npm run test:python` checks that both synthesize the same templates. Run it with
`python app.py` in a virtualenv that has the cdk-sitespeed wheel (see the README).
Environment: CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION as in examples/app.ts.
"""
import os

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk.aws_scheduler import ScheduleExpression
from constructs import Construct

from cdk_sitespeed import (
    Browser,
    ConfigSync,
    Connectivity,
    ConnectivityProfile,
    DeployMarkers,
    GrafanaAccess,
    InstanceSchedule,
    MetricsStack,
    ReportTree,
    SiteAlerts,
    SitespeedCluster,
)


class NetworkStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.vpc = ec2.Vpc(
            self, "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)],
            flow_logs={"rejected": ec2.FlowLogOptions(traffic_type=ec2.FlowLogTrafficType.REJECT)},
        )


class SitespeedStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, vpc: ec2.IVpc, metrics: MetricsStack, running: bool,
                 alert_emails: list, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        enabled = running
        stockholm = cdk.TimeZone.of("Europe/Stockholm")
        self.sitespeed = SitespeedCluster(
            self, "Sitespeed",
            vpc=vpc,
            max_capacity=2 if enabled else 0,
            # An instance only around the scheduled runs (docs/costs.md).
            schedule=InstanceSchedule.around_runs() if enabled else InstanceSchedule.always_on(),
            connectivity=Connectivity.throttle(ConnectivityProfile.CABLE),
            metrics=metrics,
        )
        self.reports = ReportTree(self, "Reports", cluster=self.sitespeed)
        self.config = ConfigSync(self, "Config", cluster=self.sitespeed)

        self.sitespeed.add_site(
            "Shop",
            schedule=ScheduleExpression.cron(minute="15", hour="8-18/2", week_day="MON-FRI", time_zone=stockholm),
            enabled=enabled,
            urls=[
                {"url": "https://shop.example.com/", "alias": "home"},
                {"url": "https://shop.example.com/cart", "alias": "cart"},
            ],
            iterations=5,
            connectivity_profile=ConnectivityProfile.CABLE,
        )
        self.sitespeed.add_site(
            "Blog",
            schedule=ScheduleExpression.cron(minute="0", hour="9", week_day="MON-FRI", time_zone=cdk.TimeZone.EUROPE_LONDON),
            enabled=enabled,
            urls=[{"url": "https://blog.example.com/"}],
            browser=Browser.FIREFOX,
            config={"browsertime": {"firefox": {"includeResponseBodies": "html"}}},
            sitespeed_args=["--plugins.remove", "screenshot"],
        )
        self.sitespeed.add_site(
            "Docs",
            schedule=ScheduleExpression.cron(minute="30", hour="12", week_day="MON-FRI", time_zone=stockholm),
            enabled=enabled,
            urls_file="urls/docs.txt",
            budget_file="budgets/docs.json",
        )
        checkout = self.sitespeed.add_site(
            "Checkout",
            schedule=ScheduleExpression.rate(cdk.Duration.hours(3)),
            enabled=enabled,
            script="scripts/checkout.mjs",
            iterations=3,
            mobile=True,
            connectivity_profile=ConnectivityProfile.FOUR_G,
        )
        # Around the clock on a rate: each run starts its instance (docs/costs.md).
        cdk.Annotations.of(checkout).acknowledge_warning("cdk-sitespeed:siteNotWarmed", "a cold start per run is meant for this site")

        # It writes to the first cluster's bucket, so both clusters' runs share one calendar.
        self.host_tc_cluster = SitespeedCluster(
            self, "SitespeedHostTc",
            vpc=vpc,
            max_capacity=1 if enabled else 0,
            connectivity=Connectivity.host_tc(ConnectivityProfile.FOUR_G),
            metrics=metrics,
            reports_bucket=self.sitespeed.reports_bucket,
        )
        self.reports.add_cluster(self.host_tc_cluster)
        self.host_tc_cluster.add_site(
            "Landing",
            schedule=ScheduleExpression.cron(minute="45", hour="10", time_zone=cdk.TimeZone.of("America/New_York")),
            enabled=enabled,
            urls=[{"url": "https://www.example.com/", "alias": "landing"}],
        )

        cdk.CfnOutput(self, "ViewerUrl", value=self.reports.viewer_url)
        cdk.CfnOutput(self, "ConfigBucket", value=self.config.bucket.bucket_name)
        cdk.CfnOutput(self, "ConfigPrefix", value=self.config.prefix)

        if running:
            alerts = SiteAlerts(self, "Alerts", cluster=self.sitespeed, emails=alert_emails)
            SiteAlerts(self, "HostTcAlerts", cluster=self.host_tc_cluster, topic=alerts.topic)
            cdk.CfnOutput(self, "AlertTopic", value=alerts.topic.topic_arn)

        # A line on the calendar and a Graphite annotation at each deploy (docs/deploy-markers.md);
        # the marked sites run 10 minutes after each, judged against their runs before it.
        DeployMarkers(
            self,
            "Markers",
            cluster=self.sitespeed,
            run_after=cdk.Duration.minutes(10),
            deploy_events=[
                events.EventPattern(
                    source=["aws.codepipeline"],
                    detail_type=["CodePipeline Pipeline Execution State Change"],
                    detail={"pipeline": ["shop-release"], "state": ["SUCCEEDED"]},
                )
            ],
        )


class SitespeedStage(cdk.Stage):
    def __init__(self, scope: Construct, id: str, *, running: bool, grafana_cidrs: list, alert_emails: list,
                 **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.network = NetworkStack(self, "Network")
        # Graphite and Grafana, on their own: they outlive redeployments of the test clusters.
        self.metrics = MetricsStack(
            self, "Metrics",
            vpc=self.network.vpc,
            running=running,
            graphite_namespace=f"sitespeed_io.{id}",
            grafana_access=GrafanaAccess.from_cidrs(grafana_cidrs) if grafana_cidrs else GrafanaAccess.private_only(),
        )
        self.sitespeed = SitespeedStack(self, "Sitespeed", vpc=self.network.vpc, metrics=self.metrics, running=running,
                                        alert_emails=alert_emails)


def main() -> None:
    # Cross-stack references stay strong (a producer cannot go while a consumer uses it), said
    # explicitly as CDK asks.
    app = cdk.App(context={"@aws-cdk/core:defaultCrossStackReferences": "strong"})
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    env = cdk.Environment(account=account, region=region) if account and region else None
    SitespeedStage(app, "prod", env=env, running=True, grafana_cidrs=[], alert_emails=[])
    app.synth()


if __name__ == "__main__":
    main()
