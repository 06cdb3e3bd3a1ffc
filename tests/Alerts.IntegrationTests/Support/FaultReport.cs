using Alerts.TestSupport;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// What a fault test saw, by alert id: lost = published and confirmed but never mailed; duplicates = mails beyond
/// the first for one alert; parked = left in the error queue. Each line also goes to the file named by
/// ALERTS_FAULT_REPORT, from which scripts/faults.sh prints its table.
/// </summary>
public sealed record FaultReport(string Fault, int Published, int Mailed, int Lost, int Duplicates, int Parked)
{
    public static FaultReport From(string fault, IReadOnlyCollection<Guid> published, SmtpSink sink, int parked)
    {
        var mails = sink.MailsPerAlertId();
        return new FaultReport(
            fault,
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
            File.AppendAllText(path, $"{Fault}\t{Published}\t{Mailed}\t{Lost}\t{Duplicates}\t{Parked}{Environment.NewLine}");
        }
    }
}
