using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Alerts.Contracts.History;
using Alerts.Producer.History;
using Alerts.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// Alertmanager's read API (<c>GET /api/v2/alerts</c>, <c>/alerts/groups</c>, <c>/receivers</c>, <c>/status</c>) in the shapes of
/// its <c>api/v2/openapi.yaml</c>, so amtool, Grafana and karma read it, and <c>GET /api/history</c>, which Alertmanager lacks.
/// Answered from the <see cref="AlertBoard"/>, with silences as they are now.
/// </summary>
public static class AlertQueryEndpoints
{
    const int DefaultLimit = 100, MaxLimit = 1000;
    static readonly DateTimeOffset Started = DateTimeOffset.UtcNow;
    static readonly TimeSpan LoadWait = TimeSpan.FromSeconds(10);

    public static void MapAlertQueries(this RouteGroupBuilder api)
    {
        api.MapGet("/v2/alerts", async (HttpRequest request, AlertBoard board, SilenceCopy silences, IOptions<HistoryOptions> options) =>
            await QueryAsync(request, board, silences, options.Value, alerts => Results.Json(alerts.Select(alert => alert.Gettable))));
        api.MapGet("/v2/alerts/groups", async (HttpRequest request, AlertBoard board, SilenceCopy silences, IOptions<HistoryOptions> options) =>
            await QueryAsync(request, board, silences, options.Value, alerts => Results.Json(Groups(alerts))));
        api.MapGet("/v2/receivers", async (AlertBoard board) => await WhenLoadedAsync(board, null, () =>
            Results.Json(board.Routes().Select(route => route.Name).Append(AlertHistory.Unrouted).Select(name => new { name }))));
        api.MapGet("/v2/status", async (AlertBoard board, IOptions<HistoryOptions> options) => await WhenLoadedAsync(board, null, () => Results.Json(new
        {
            cluster = new { status = "ready", peers = Array.Empty<object>() },
            config = new { original = AlertmanagerConfig.Render(board.Routes(), options.Value.ResolveTimeout) },
            uptime = Started,
            // amtool asks for the version before each command; this is the API of Alertmanager 0.25 it speaks.
            versionInfo = new
            {
                version = "0.25.0", branch = "alerts", revision = "alerts-front-door", buildUser = "alerts", buildDate = "", goVersion = "none",
            },
        })));
        api.MapGet("/history", GetHistoryAsync);
    }

    static async Task<IResult> QueryAsync(
        HttpRequest request, AlertBoard board, SilenceCopy silences, HistoryOptions options, Func<List<AlertView>, IResult> answer)
    {
        if (!AlertFilter.TryParse(request.Query, out var filter, out var error))
        {
            return Error(error);
        }

        return await WhenLoadedAsync(board, silences, () =>
        {
            var active = silences.All.ToList();
            return answer(board.Firing((alert, now) => AlertView.Of(alert, now, active, filter, options.ResolveTimeout)));
        });
    }

    static async Task<IResult> GetHistoryAsync(HttpRequest request, AlertBoard board, TimeProvider time, IOptions<HistoryOptions> options)
    {
        var now = time.GetUtcNow();
        if (!AlertFilter.TryParseMatchers(request.Query, out var matchers, out var error)
            || !TryParseTime(request.Query, "since", now - options.Value.Retention, out var since, out error)
            || !TryParseTime(request.Query, "until", now, out var until, out error))
        {
            return Error(error);
        }

        var limit = DefaultLimit;
        if (request.Query["limit"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Error($"limit: '{text}' is not a number from 1 to {MaxLimit}");
        }

        return await WhenLoadedAsync(board, null, () =>
        {
            var events = board.History(entry => matchers.All(matcher => matcher.Matches(entry.Shown)), since, until, limit);
            return Results.Json(new
            {
                events = events.Select(entry => new
                {
                    at = entry.At,
                    kind = entry.Kind,
                    route = entry.Route,
                    receiver = entry.Receiver,
                    labels = entry.Labels,
                    text = entry.Text,
                    count = entry.Count,
                    fingerprint = entry.Fingerprint,
                    silencedBy = entry.SilencedBy ?? [],
                    reason = entry.Reason,
                }),
                limit,
                more = events.Count == limit,
            });
        });
    }

    static List<object> Groups(List<AlertView> alerts)
    {
        var groups = new Dictionary<(string Receiver, string Labels), (IReadOnlyDictionary<string, string> Labels, List<object> Alerts)>();
        foreach (var alert in alerts)
        {
            foreach (var (receiver, labels) in alert.Groups)
            {
                var key = (receiver, string.Join(',', labels.OrderBy(label => label.Key, StringComparer.Ordinal).Select(label => $"{label.Key}={label.Value}")));
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = (labels, []);
                }

                group.Alerts.Add(alert.Gettable);
            }
        }

        return [.. groups.OrderBy(group => group.Key.Receiver, StringComparer.Ordinal).ThenBy(group => group.Key.Labels, StringComparer.Ordinal)
            .Select(group => (object)new { labels = group.Value.Labels, receiver = new { name = group.Key.Receiver }, alerts = group.Value.Alerts })];
    }

    /// <summary>Answers once the board has read the stream (and the silences, when the answer needs them), or 503 after a wait.</summary>
    static async Task<IResult> WhenLoadedAsync(AlertBoard board, SilenceCopy? silences, Func<IResult> answer)
    {
        try
        {
            await Task.WhenAll(board.Loaded, silences?.Loaded ?? Task.CompletedTask).WaitAsync(LoadWait);
            return answer();
        }
        catch (TimeoutException)
        {
            return Results.Json(new { error = "the front door is still reading the alert history from the broker; try again" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    static bool TryParseTime(IQueryCollection query, string name, DateTimeOffset fallback, out DateTimeOffset value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            value = fallback;
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            return true;
        }

        error = $"{name}: '{text}' is not a time (RFC 3339, as 2026-12-01T21:00:00Z)";
        return false;
    }

    static IResult Error(string message) => Results.Json(new { error = message }, statusCode: StatusCodes.Status400BadRequest);
}
