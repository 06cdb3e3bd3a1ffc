using Alerts.Consumer.Settings;
using MimeKit;
using MimeKit.Utils;

namespace Alerts.Consumer.Mail;

/// <summary>
/// The headers every mail of a route carries (From, To, Subject, and the Date of the current second), encoded once:
/// encoding them anew for each mail (address lists, RFC 2047 words, the date) was close to half of what building an
/// alert's mail cost a draining consumer. A clone copies only the encoded bytes, so each mail still has headers, and
/// parses addresses, of its own: an address list subscribes to its addresses' events, and one address shared by every
/// mail kept every mail alive (a heap dump under load held 14,562 of them).
/// </summary>
public sealed class RouteMailHeaders(RouteOptions route, MailboxAddress from)
{
    readonly Header[] _firing = Encode(route, from, route.Subject);
    readonly Header[] _resolved = Encode(route, from, $"{AlertMail.Resolved}{route.Subject}");
    DatedHeader? _date;

    /// <summary>The route's subject, as configured: a digest's names its count beside it.</summary>
    public string Subject { get; } = route.Subject;

    /// <summary>The sender's domain, which each mail's Message-Id names.</summary>
    public string Domain { get; } = from.Domain;

    /// <summary>Fresh copies of the route's headers, its subject marked as a resolution's when <paramref name="resolved"/>.</summary>
    public IEnumerable<Header> Of(bool resolved, DateTimeOffset now)
    {
        yield return Date(now);
        foreach (var header in resolved ? _resolved : _firing)
        {
            yield return header.Clone();
        }
    }

    Header Date(DateTimeOffset now)
    {
        var second = now.ToUnixTimeSeconds();
        var date = _date;
        if (date?.Second != second)
        {
            date = new DatedHeader(second, new Header(HeaderId.Date, DateUtils.FormatDate(now)));
            _date = date;
        }

        return date.Header.Clone();
    }

    static Header[] Encode(RouteOptions route, MailboxAddress from, string subject)
    {
        // A message of its own encodes each header as MimeKit does, the address lists folded and their names encoded.
        using var template = new MimeMessage(new Header(HeaderId.MessageId, "<template@localhost>")) { Subject = subject };
        template.From.Add(new MailboxAddress(from.Name, from.Address));
        template.To.AddRange(route.To.Select(MailboxAddress.Parse));
        return [.. template.Headers.Where(header => header.Id is HeaderId.From or HeaderId.To or HeaderId.Subject)];
    }

    sealed record DatedHeader(long Second, Header Header);
}
