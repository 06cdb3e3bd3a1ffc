using System.Collections.Concurrent;
using Alerts.Consumer.Mail;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Digests;

/// <summary>The group book of each route this replica mails the groups of (it is then its digest queue's active consumer).</summary>
public sealed class GroupBooks(IOptions<AlertsOptions> options, AlertMailer mailer, AlertMetrics metrics, TimeProvider time, ILoggerFactory loggers)
{
    readonly ConcurrentDictionary<string, GroupBook> _books = new(StringComparer.OrdinalIgnoreCase);
    readonly ILogger _logger = loggers.CreateLogger<GroupBook>();

    public GroupBook For(string routeName) => _books.GetOrAdd(routeName, name =>
        new GroupBook(name, options.Value.Routes[name], options.Value.Retry, mailer, metrics, time, _logger));

    public ICollection<GroupBook> All => _books.Values;
}
