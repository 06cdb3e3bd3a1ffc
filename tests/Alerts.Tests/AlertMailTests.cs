using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Mail;
using Alerts.Consumer.Settings;
using MimeKit;

namespace Alerts.Tests;

public sealed class When_an_alert_becomes_a_mail
{
    static readonly RouteOptions Critical = new() { Queue = "critical", To = ["Ops <ops@example.com>"], Subject = "CRITICAL ALERT" };

    static WholeAlert Alert() => new(Guid.NewGuid(), "critical.db", "database down", "db-host", DateTimeOffset.UtcNow, Labels: null);

    static MimeMessage Mail(WholeAlert alert, MailboxAddress from) =>
        AlertMail.Create(alert, "{type=\"db\"}", "critical", new RouteMailHeaders(Critical, from), DateTimeOffset.UtcNow);

    [Fact]
    public void Should_not_share_the_sender_address_between_mails()
    {
        // MimeKit's address lists subscribe to their addresses' events: a shared sender would keep every mail alive.
        var from = MailboxAddress.Parse("alerts@example.com");

        var first = Mail(Alert(), from);
        var second = Mail(Alert(), from);

        Assert.NotSame(from, first.From.Mailboxes.Single());
        Assert.NotSame(first.From.Mailboxes.Single(), second.From.Mailboxes.Single());
        Assert.Equal("alerts@example.com", first.From.Mailboxes.Single().Address);
    }

    [Fact]
    public void Should_derive_a_stable_message_id_from_the_alert()
    {
        var alert = Alert();

        var first = Mail(alert, MailboxAddress.Parse("alerts@example.com"));
        var redelivered = Mail(alert, MailboxAddress.Parse("alerts@example.com"));

        Assert.Equal(first.MessageId, redelivered.MessageId);
        Assert.Equal($"{alert.Id:N}.critical@example.com", first.MessageId);
        Assert.Equal("{type=\"db\"}", first.Headers[AlertMail.GroupHeader]);
    }

    [Fact]
    public void Should_give_each_mail_of_a_route_its_own_copy_of_the_headers_encoded_once()
    {
        var headers = new RouteMailHeaders(Critical, MailboxAddress.Parse("Alerts <alerts@example.com>"));
        var at = new DateTimeOffset(2026, 12, 3, 6, 0, 0, TimeSpan.Zero);

        var firing = AlertMail.Create(Alert(), "{}", "critical", headers, at);
        var resolved = AlertMail.Create(Alert() with { Resolved = true }, "{}", "critical", headers, at.AddSeconds(1.5));
        firing.Subject = "changed";
        firing.To.Add(MailboxAddress.Parse("someone@example.com"));
        var next = AlertMail.Create(Alert(), "{}", "critical", headers, at.AddSeconds(1.9));

        Assert.Equal("[RESOLVED] CRITICAL ALERT", resolved.Subject);
        Assert.Equal("CRITICAL ALERT", next.Subject);
        Assert.Equal(["ops@example.com"], next.To.Mailboxes.Select(to => to.Address));
        Assert.Equal("Ops", next.To.Mailboxes.Single().Name);
        Assert.Equal("Alerts", next.From.Mailboxes.Single().Name);
        Assert.Equal(at, firing.Date);
        Assert.Equal(at.AddSeconds(1), resolved.Date);
        Assert.Equal(at.AddSeconds(1), next.Date);
    }
}
