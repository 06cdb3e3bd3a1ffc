using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Alerts.TestSupport;

/// <summary>
/// A webhook receiver on a free loopback port (Kestrel) that keeps every post. It can be told to answer the next posts
/// with given status codes, or to hang, so tests see what the consumer does when a webhook says no or does not answer.
/// </summary>
public sealed class WebhookSink : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentQueue<WebhookPost> _posts = new();
    readonly ConcurrentQueue<int> _answers = new();
    int _accepted;
    long _firstAccepted;
    long _lastAccepted;

    WebhookSink(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The URL of a path on the sink: <c>http://127.0.0.1:port/path</c>.</summary>
    public string UrlOf(string path = "hook") => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>Every post, answered or not, in order.</summary>
    public IReadOnlyList<WebhookPost> Posts => [.. _posts];

    /// <summary>Posts answered 2xx.</summary>
    public int AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>While set, each post waits this long before it is answered, as a receiver that hangs.</summary>
    public TimeSpan Hang { get; set; }

    /// <summary>Keep only the count, not the bodies: for benchmarks that post many thousands.</summary>
    public bool KeepPosts { get; set; } = true;

    /// <summary>Posts accepted per second, from the first accepted to the last.</summary>
    public double AcceptedRate =>
        (AcceptedCount - 1) / System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _firstAccepted), Interlocked.Read(ref _lastAccepted)).TotalSeconds;

    /// <summary>Forgets what was received, for the next measurement.</summary>
    public void Forget()
    {
        _posts.Clear();
        Interlocked.Exchange(ref _accepted, 0);
        Interlocked.Exchange(ref _firstAccepted, 0);
        Interlocked.Exchange(ref _lastAccepted, 0);
    }

    /// <summary>The next posts are answered with these codes, in order; after them, 200.</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    public static async Task<WebhookSink> StartAsync()
    {
        var port = FreePort.OnLoopback();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new WebhookSink(app, port);
        app.MapPost("/{**path}", sink.ReceiveAsync);
        await app.StartAsync();
        return sink;
    }

    async Task<IResult> ReceiveAsync(HttpContext context, string? path)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        if (Hang > TimeSpan.Zero)
        {
            await Task.Delay(Hang, context.RequestAborted);
        }

        var status = _answers.TryDequeue(out var next) ? next : 200;
        if (KeepPosts || status >= 300)
        {
            _posts.Enqueue(new WebhookPost(path ?? "", context.Request.Headers.Authorization.ToString(), context.Request.ContentType, body, status));
        }

        if (status < 300)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            Interlocked.CompareExchange(ref _firstAccepted, now, 0);
            Interlocked.Exchange(ref _lastAccepted, now);
            Interlocked.Increment(ref _accepted);
        }

        return Results.Text(status < 300 ? "ok" : $"answered {status} by the test", statusCode: status);
    }

    /// <summary>Waits until <paramref name="count"/> posts were answered 2xx.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (AcceptedCount < count)
        {
            try
            {
                await Task.Delay(50, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the webhook sink accepted {AcceptedCount} of {count} posts within {timeout}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One post as the sink received it, and the status it answered.</summary>
public sealed record WebhookPost(string Path, string Authorization, string? ContentType, string Body, int Status)
{
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("the post's body is JSON null");
}
