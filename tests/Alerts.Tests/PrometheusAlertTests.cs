using Alerts.Contracts;
using Alerts.Producer.FrontDoor;

namespace Alerts.Tests;

public sealed class When_prometheus_posts_an_alert
{
    static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    static PrometheusAlert Firing(string alertName = "HighRequestRate", string? severity = "critical", DateTimeOffset? endsAt = null) => new(
        new Dictionary<string, string> { ["alertname"] = alertName, ["severity"] = severity ?? "", ["instance"] = "web-1:9100", ["job"] = "web" },
        new Dictionary<string, string> { ["summary"] = "too many requests" }, Now.AddMinutes(-5), endsAt ?? Now.AddMinutes(4), "http://prometheus/graph");

    [Theory]
    [InlineData("HighRequestRate", "high_request_rate")]
    [InlineData("HTTPErrors", "http_errors")]
    [InlineData("node-down", "node_down")]
    [InlineData("KubePodCrashLooping", "kube_pod_crash_looping")]
    [InlineData("disk_full", "disk_full")]
    public void Should_make_the_alertname_a_type(string alertName, string type) => Assert.Equal(type, PrometheusAlerts.TypeOf(alertName));

    [Theory]
    [InlineData("critical", Severity.Critical)]
    [InlineData("page", Severity.Critical)]
    [InlineData("warning", Severity.Warning)]
    [InlineData("info", Severity.Info)]
    [InlineData("P1", Severity.Warning)]
    [InlineData(null, Severity.Warning)]
    public void Should_map_the_severity_label(string? label, Severity severity) =>
        Assert.Equal(severity, PrometheusAlerts.SeverityOf(label, Severity.Warning));

    [Fact]
    public void Should_carry_text_source_labels_and_annotations()
    {
        var alert = PrometheusAlerts.ToAlert(Firing(), Severity.Warning, Now);

        Assert.Equal("critical.high_request_rate", alert.RoutingKey!.ToString());
        Assert.Equal("too many requests", alert.Text);
        Assert.Equal("web-1:9100", alert.Source);
        Assert.Equal("web", alert.Labels!["job"]);
        Assert.Equal("too many requests", alert.Annotations!["summary"]);
        Assert.Null(alert.Resolved);
    }

    [Fact]
    public void Should_read_gos_zero_time_that_amtool_sends_as_no_time_given()
    {
        var zero = new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var alert = PrometheusAlerts.ToAlert(
            new PrometheusAlert(new() { ["alertname"] = "DiskFull", ["severity"] = "critical" }, null, zero, zero, null), Severity.Warning, Now);

        Assert.Null(alert.Resolved);
        Assert.Null(alert.EndsAt);
        Assert.Equal(Now, alert.OccurredAt);
    }

    [Fact]
    public void Should_give_a_resend_the_same_id_and_a_resolution_another()
    {
        var first = PrometheusAlerts.ToAlert(Firing(), Severity.Warning, Now);
        var resent = PrometheusAlerts.ToAlert(Firing(), Severity.Warning, Now.AddMinutes(1));
        var resolution = PrometheusAlerts.ToAlert(Firing(endsAt: Now.AddSeconds(-1)), Severity.Warning, Now);

        Assert.Equal(first.Id, resent.Id);
        Assert.True(resolution.Resolved);
        Assert.NotEqual(first.Id, resolution.Id);
    }

    [Fact]
    public void Should_refuse_an_alertname_that_makes_no_type() =>
        Assert.Contains("makes no alert type", Assert.Throws<FormatException>(() => PrometheusAlerts.ToAlert(Firing("日本"), Severity.Warning, Now)).Message, StringComparison.Ordinal);
}
