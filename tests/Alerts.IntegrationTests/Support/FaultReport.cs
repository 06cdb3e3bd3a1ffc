using Alerts.TestSupport;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// What a fault test saw. Alert by alert (each mailed alone, followed by its id): lost = published and confirmed but never
/// mailed; duplicates = mails beyond the first for one alert. With grouping, the shipped default, by the alerts the mails
/// account for (their X-Alert-Count): lost = published beyond them, duplicates = counted beyond those published.
/// Parked = left in the error queue. Each line also goes to the file named by ALERTS_FAULT_REPORT, from which
/// scripts/faults.sh prints its table.
/// </summary>
public sealed record FaultReport(string Fault, string Pipeline, int Published, long Mailed, long Lost, long Duplicates, int Parked)
{
    const string Operations = "ops@example.com";

    public static FaultReport From(string fault, bool grouping, IReadOnlyCollection<Guid> published, SmtpSink sink, int parked)
    {
        if (grouping)
        {
            var accounted = sink.AccountedFor(Operations).Alerts;
            return new FaultReport(fault, "grouping", published.Count, accounted,
                Math.Max(0, published.Count - accounted), Math.Max(0, accounted - published.Count), parked);
        }

        var mails = sink.MailsPerAlertId();
        return new FaultReport(
            fault,
            "per alert",
            published.Count,
            published.Count(mails.ContainsKey),
            published.Count(id => !mails.ContainsKey(id)),
            mails.Values.Sum(count => count - 1),
            parked);
    }

    /// <summary>Adds this line to the report file, if one was asked for.</summary>
    public void Write()
    {
        if (Environment.GetEnvironmentVariable("ALERTS_FAULT_REPORT") is { Length: > 0 } path)
        {
            File.AppendAllText(path, $"{Fault}\t{Pipeline}\t{Published}\t{Mailed}\t{Lost}\t{Duplicates}\t{Parked}{Environment.NewLine}");
        }
    }
}
