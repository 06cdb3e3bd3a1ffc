using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Alerts.Contracts.Silences;
using Alerts.ServiceDefaults;

namespace Alerts.Consumer.Commands;

/// <summary>
/// <c>silence add MATCHER… [--duration 2h] --comment TEXT [--author NAME]</c>, <c>silence list</c>, <c>silence expire ID</c>:
/// mutes alerts on every replica, within a second or two, for as long as the silence lasts, across restarts. The rules
/// are <see cref="SilenceService"/>'s, as for <c>amtool</c> over the HTTP API.
/// </summary>
public static partial class SilenceCommand
{
    public static Command Create()
    {
        var matchers = new Argument<string[]>("matchers")
        {
            Description = "Label matchers, all of which an alert must match: alertname=db_down, source!=web-1, type=~\"rate.*\", or a topic pattern such as critical.*",
            Arity = ArgumentArity.OneOrMore,
        };
        var duration = new Option<string>("--duration", "-d") { Description = "How long the silence lasts: 30m, 2h, 1d, 1h30m", DefaultValueFactory = _ => "1h" };
        var comment = new Option<string>("--comment", "-c") { Description = "Why: the incident, the ticket", Required = true };
        var author = new Option<string>("--author", "-a")
        {
            Description = "Who adds it (default: $USER)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("USER") ?? Environment.UserName,
        };
        var add = new Command("add", "Adds a silence.") { matchers, duration, comment, author };
        add.SetAction((parseResult, cancellationToken) => AddAsync(
            parseResult.GetRequiredValue(matchers), parseResult.GetRequiredValue(duration), parseResult.GetRequiredValue(comment),
            parseResult.GetRequiredValue(author), cancellationToken));

        var all = new Option<bool>("--expired") { Description = "List expired silences too" };
        var list = new Command("list", "Lists the active and pending silences.") { all };
        list.SetAction((parseResult, cancellationToken) => ListAsync(parseResult.GetValue(all), cancellationToken));

        var id = new Argument<Guid>("id") { Description = "The silence's id, as add and list print it" };
        var expire = new Command("expire", "Ends a silence now; a pending one never starts.") { id };
        expire.SetAction((parseResult, cancellationToken) => ExpireAsync(parseResult.GetRequiredValue(id), cancellationToken));

        return new Command("silence", "Mutes matching alerts for a while: add, list and expire silences.") { add, list, expire };
    }

    static Task<int> AddAsync(string[] expressions, string durationText, string comment, string author, CancellationToken cancellationToken)
    {
        var matchers = new List<Matcher>();
        foreach (var expression in expressions)
        {
            if (!Matcher.TryParse(expression, out var parsed, out var error))
            {
                return Task.FromResult(ServiceCommandLine.Fail(error));
            }

            matchers.AddRange(parsed);
        }

        if (!TryParseDuration(durationText, out var duration))
        {
            return Task.FromResult(ServiceCommandLine.Fail($"--duration '{durationText}' is not a duration such as 30m, 2h, 1d or 1h30m"));
        }

        return WithSilencesAsync(async silences =>
        {
            try
            {
                var now = silences.Now;
                Console.WriteLine((await silences.CreateAsync(null, matchers, now, now + duration, author, comment, cancellationToken)).Id);
                return 0;
            }
            catch (InvalidSilenceException invalid)
            {
                return ServiceCommandLine.Fail(invalid.Message);
            }
        }, cancellationToken);
    }

    static Task<int> ListAsync(bool includeExpired, CancellationToken cancellationToken) => WithSilencesAsync(async silences =>
    {
        var now = silences.Now;
        Console.WriteLine($"{"ID",-36}  {"State",-8}  {"Matchers",-40}  {"Ends at",-20}  {"Created by",-12}  Comment");
        foreach (var silence in (await silences.QueryAsync(cancellationToken)).Where(silence => includeExpired || silence.StateAt(now) != SilenceState.Expired))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{silence.Id,-36}  {silence.StateAt(now).ToString().ToLowerInvariant(),-8}  {silence,-40}  {silence.EndsAt:yyyy-MM-dd HH:mm:ss}Z  {silence.CreatedBy,-12}  {silence.Comment}"));
        }

        return 0;
    }, cancellationToken);

    static Task<int> ExpireAsync(Guid id, CancellationToken cancellationToken) => WithSilencesAsync(async silences =>
    {
        switch (await silences.ExpireAsync(id, cancellationToken))
        {
            case null:
                return ServiceCommandLine.Fail($"no silence {id}", ServiceCommandLine.Failed);
            case ({ } silence, WasExpired: true):
                Console.WriteLine($"silence {id} had already ended at {silence.EndsAt:u}");
                return 0;
            default:
                Console.WriteLine($"expired silence {id}");
                return 0;
        }
    }, cancellationToken);

    static Task<int> WithSilencesAsync(Func<SilenceService, Task<int>> use, CancellationToken cancellationToken) => ServiceCommandLine.RunAgainstBrokerAsync(
        services => services.AddSilences(), services => use(services.GetRequiredService<SilenceService>()), broker => $"silence: {broker}", cancellationToken);

    /// <summary>Reads Alertmanager's durations: a sequence of numbers with units s, m, h, d, w.</summary>
    static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var parts = DurationPart().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(part => part.Value)) != text)
        {
            return false;
        }

        foreach (Match part in parts)
        {
            var count = int.Parse(part.Groups["count"].Value, CultureInfo.InvariantCulture);
            duration += part.Groups["unit"].Value switch
            {
                "s" => TimeSpan.FromSeconds(count),
                "m" => TimeSpan.FromMinutes(count),
                "h" => TimeSpan.FromHours(count),
                "d" => TimeSpan.FromDays(count),
                _ => TimeSpan.FromDays(7 * count),
            };
        }

        return duration > TimeSpan.Zero;
    }

    [GeneratedRegex(@"(?<count>\d{1,6})(?<unit>[smhdw])")]
    private static partial Regex DurationPart();
}
