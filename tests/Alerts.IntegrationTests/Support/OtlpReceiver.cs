using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// Stands in for an OpenTelemetry collector: accepts OTLP over HTTP (protobuf) on loopback and keeps each
/// request's body by path (<c>/v1/metrics</c>, <c>/v1/traces</c>). Names in the protobuf are plain UTF-8.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    readonly HttpListener _listener;
    readonly ConcurrentQueue<(string Path, string Body, byte[] Bytes)> _requests = new();
    readonly Task _serving;

    public OtlpReceiver()
    {
        // HttpListener cannot bind port 0: a free port is chosen, and another one should it be taken before the bind.
        for (var attempt = 1; ; attempt++)
        {
            Endpoint = new Uri($"http://127.0.0.1:{FreePort.OnLoopback()}/");
            _listener = new HttpListener();
            _listener.Prefixes.Add(Endpoint.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 3)
            {
                _listener.Close();
            }
        }

        _serving = ServeAsync();
    }

    public Uri Endpoint { get; }

    public bool Received(string path, string text) =>
        _requests.Any(request => request.Path == path && request.Body.Contains(text, StringComparison.Ordinal));

    /// <summary>How often <paramref name="text"/> occurs in all that was sent to <paramref name="path"/>: a span's attribute once per span.</summary>
    public int Count(string path, string text) =>
        _requests.Where(request => request.Path == path).Sum(request => (request.Body.Length - request.Body.Replace(text, "", StringComparison.Ordinal).Length) / text.Length);

    /// <summary>Whether raw bytes (a trace id, say, which OTLP sends as 16 bytes) were sent to <paramref name="path"/>.</summary>
    public bool Received(string path, byte[] bytes) =>
        _requests.Any(request => request.Path == path && request.Bytes.AsSpan().IndexOf(bytes) >= 0);

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception stopped) when (stopped is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            _requests.Enqueue((context.Request.Url!.AbsolutePath, Encoding.UTF8.GetString(body.ToArray()), body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
