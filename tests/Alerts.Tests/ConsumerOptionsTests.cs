using Alerts.Consumer.Settings;
using Alerts.ServiceDefaults;
using Alerts.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Tests;

public sealed class When_the_consumer_reads_its_configuration
{
    static (AlertsOptions Alerts, SmtpOptions Smtp) Bind(params (string Key, string? Value)[] settings)
    {
        using var provider = Services(settings);
        return (provider.GetRequiredService<IOptions<AlertsOptions>>().Value, provider.GetRequiredService<IOptions<SmtpOptions>>().Value);
    }

    static ServiceProvider Services((string Key, string? Value)[] settings) =>
        new ServiceCollection()
            .AddSingleton(ConsumerSettings.Build(2525, settings))
            .AddAlertPipeline()
            .BuildServiceProvider(true);

    static string[] Failures(params (string Key, string? Value)[] settings)
    {
        using var provider = Services(settings);
        var invalid = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<AlertsOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<SmtpOptions>>().Value;
        });
        return [.. invalid.Failures];
    }

    static readonly (string Key, string? Value)[] ChatRoute =
    [
        ("Alerts:Routes:chat:Queue", "chat"), ("Alerts:Routes:chat:Bindings:0", "critical.*"), ("Alerts:Routes:chat:Subject", "CHAT"),
    ];

    [Fact]
    public void Should_take_a_route_with_webhooks_and_no_mail_recipients()
    {
        var (alerts, _) = Bind(
            [.. ChatRoute,
            ("Alerts:Routes:chat:Webhooks:0:Url", "https://chat.example.com/hooks/T0/B0/secret"),
            ("Alerts:Routes:chat:Webhooks:0:Format", "slack"),
            ("Alerts:Routes:chat:Webhooks:1:Url", "http://irc-relay:8000/alerts")]);

        var webhooks = alerts.Routes["chat"].Webhooks;
        Assert.Empty(alerts.Routes["chat"].To);
        Assert.Equal([WebhookFormat.Slack, WebhookFormat.Alertmanager], webhooks.Select(webhook => webhook.Format));
        Assert.Equal([20, 20], webhooks.Select(webhook => webhook.MaxAlerts));
        Assert.Equal(20, alerts.Routes["chat"].ListedAlerts);
        Assert.Equal(0, alerts.Routes["critical"].ListedAlerts); // mail alone carries no alert whole beyond the first
    }

    [Fact]
    public void Should_refuse_a_route_without_any_receiver_and_never_echo_a_webhook_url()
    {
        Assert.Contains(Failures(ChatRoute),
            failure => failure.Contains("Alerts:Routes:chat has no receiver", StringComparison.Ordinal));
        Assert.DoesNotContain(Failures(("Alerts:Routes:critical:Webhooks:0:Url", "ftp://hooks.example.com/T0/secret-token")),
            failure => failure.Contains("secret-token", StringComparison.Ordinal));
        Assert.Contains(Failures(
                ("Alerts:Routes:critical:Webhooks:0:Url", "https://hooks.example.com"),
                ("Alerts:Routes:critical:Webhooks:0:BearerToken", "t"),
                ("Alerts:Routes:critical:Webhooks:0:Username", "u")),
            failure => failure.Contains("give BearerToken or Username and Password, not both", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_default_to_the_books_two_routes()
    {
        var (alerts, _) = Bind();

        Assert.Equal(["critical", "rate_limit"], alerts.ServedRoutes().Select(route => route.Name).Order());
        var critical = alerts.Routes["critical"];
        Assert.Equal("critical", critical.Queue);
        Assert.Equal(["critical.*"], critical.Bindings);
        Assert.Equal("CRITICAL ALERT", critical.Subject);
        var rateLimit = alerts.Routes["rate_limit"];
        Assert.Equal(["*.rate_limit"], rateLimit.Bindings);
        Assert.Equal("RATE LIMIT ALERT!", rateLimit.Subject);
    }

    [Fact]
    public void Should_serve_only_the_routes_named_in_serve()
    {
        var (alerts, _) = Bind(("Alerts:Serve", " critical "));

        Assert.Equal(["critical"], alerts.ServedRoutes().Select(route => route.Name));
    }

    [Fact]
    public void Should_add_a_route_from_configuration_alone()
    {
        var (alerts, _) = Bind(
            ("Alerts:Routes:api_errors:Queue", "api_errors"),
            ("Alerts:Routes:api_errors:Bindings:0", "*.api_error"),
            ("Alerts:Routes:api_errors:To:0", "api@example.com"),
            ("Alerts:Routes:api_errors:Subject", "API ERROR"),
            ("Alerts:Serve", "critical,api_errors"));

        Assert.Equal(["critical", "api_errors"], alerts.ServedRoutes().Select(route => route.Name));
        Assert.Equal(["*.api_error"], alerts.Routes["api_errors"].Bindings);
    }

    [Fact]
    public void Should_read_the_smtp_security_mode_by_name()
    {
        var (_, smtp) = Bind(("Smtp:Security", "StartTls"));

        Assert.Equal(MailKit.Security.SecureSocketOptions.StartTls, smtp.Security);
    }

    [Theory]
    [InlineData("Smtp:Host", "", "Smtp:Host is required")]
    [InlineData("Smtp:From", "not an address", "Smtp:From must be an e-mail address")]
    [InlineData("Smtp:Port", "0", "Smtp:Port must be between 1 and 65535")]
    [InlineData("Alerts:Serve", "critical,pager", "Alerts:Serve names route 'pager'")]
    [InlineData("Alerts:Routes:critical:Bindings:0", "critical*", "Alerts:Routes:critical:Bindings 'critical*' is not a topic pattern")]
    [InlineData("Alerts:Routes:critical:To:0", "ops at example", "Alerts:Routes:critical:To 'ops at example' is not an e-mail address")]
    [InlineData("Alerts:Routes:rate_limit:Queue", "critical", "routes critical, rate_limit share queue 'critical'")]
    [InlineData("Alerts:MaxTextLength", "0", "Alerts:MaxTextLength must be between")]
    [InlineData("Alerts:Routes:critical:Queue", "unrouted", "Alerts:Routes:critical:Queue 'unrouted' is where alerts no route takes wait")]
    [InlineData("Alerts:Routes:critical:Subjcet", "CRITICAL", "no setting Alerts:Routes:critical:Subjcet")]
    [InlineData("Alerts:Routes:critical:Webhooks:0:Url", "ftp://hooks.example.com/secret", "Alerts:Routes:critical:Webhooks:0:Url must be an absolute http or https URL")]
    [InlineData("Alerts:Routes:critical:Webhooks:0:Url", "hooks.example.com", "Alerts:Routes:critical:Webhooks:0:Url must be an absolute http or https URL")]
    [InlineData("Alerts:Routes:critical:Webhooks:0:MaxAlerts", "0", "Alerts:Routes:critical:Webhooks:0:MaxAlerts must be between 1 and 100")]
    [InlineData("Alerts:Routes:critical:Webhooks:0:Timeout", "00:00:00", "Alerts:Routes:critical:Webhooks:0:Timeout must be between")]
    [InlineData("Alerts:ExternalUrl", "alerts.example.com", "Alerts:ExternalUrl must be an absolute http or https URL")]
    public void Should_stop_with_the_name_of_a_bad_setting(string key, string value, string failure)
    {
        Assert.Contains(Failures((key, value)), message => message.Contains(failure, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_name_every_value_that_does_not_convert_each_once_and_nothing_else()
    {
        // The worker's own registrations, in which several parts read the RabbitMq section.
        using var provider = new ServiceCollection()
            .AddSingleton(ConsumerSettings.Build(2525, ("Smtp:Port", "abc"), ("RabbitMq:Port", "xyz"), ("RabbitMq:Password", "secret"), ("Alerts:PrefetchCount", "many")))
            .AddLogging()
            .AddAlertsConsumer()
            .BuildServiceProvider(true);

        var invalid = InvalidSettings.Check(provider);

        Assert.NotNull(invalid);
        var failures = invalid["invalid configuration: ".Length..].Split("; ");
        Assert.Equal(
            ["'abc' at 'Smtp:Port' is not a whole number", "'many' at 'Alerts:PrefetchCount' is not a whole number", "'xyz' at 'RabbitMq:Port' is not a whole number"],
            failures.Order(StringComparer.Ordinal));
    }
}
