using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Webhooks;

/// <summary>
/// Posts notifications to webhooks through <see cref="IHttpClientFactory"/> (connections reused, certificates checked).
/// A 2xx is delivered. No answer within the webhook's timeout, a connection that fails, 408, 429 and 5xx are retried;
/// any other answer is a refusal for good, parked with the status and the start of the body.
/// </summary>
public sealed class WebhookPoster(IHttpClientFactory clients, IOptions<AlertsOptions> options)
{
    public const string ClientName = "webhooks";

    /// <summary>How much of a refusing receiver's body goes into the parked notification's reason.</summary>
    const int AnswerLength = 200;

    readonly string _externalUrl = options.Value.ExternalUrl ?? "";

    public async Task PostAsync(Route route, string receiver, WebhookOptions webhook, Notification notification, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = Payload(route, webhook, notification) };
        request.Headers.Authorization = webhook switch
        {
            { BearerToken: { Length: > 0 } token } => new AuthenticationHeaderValue("Bearer", token),
            { Username: { Length: > 0 } user } => new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{webhook.Password}"))),
            _ => null,
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(webhook.Timeout);
        var where = $"{receiver} ({webhook.Host})";
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var status = response.StatusCode;
            var answer = $"{where} answered {(int)status} {response.ReasonPhrase}: {await StartOfAsync(response.Content, timeout.Token)}";
            throw status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500
                ? new HttpRequestException(answer, null, status)
                : new NotificationRefusedException(answer, new HttpRequestException(answer, null, status));
        }
        catch (HttpRequestException unreachable) when (unreachable.StatusCode is null)
        {
            // Said in one message without the inner exception: the parked reason is the innermost message, and "Connection
            // refused" alone would not say which receiver refused.
            throw new HttpRequestException(unreachable.HttpRequestError, $"{where} could not be reached: {unreachable.GetBaseException().Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"{where} did not answer within {webhook.Timeout.TotalSeconds:0.###} s"));
        }
    }

    ByteArrayContent Payload(Route route, WebhookOptions webhook, Notification notification)
    {
        // Serialized whole, so the request has a Content-Length: some receivers refuse a chunked body.
        var body = webhook.Format == WebhookFormat.Slack
            ? JsonSerializer.SerializeToUtf8Bytes(SlackMessage.From(route, notification, _externalUrl))
            : JsonSerializer.SerializeToUtf8Bytes(AlertmanagerMessage.From(route, notification, webhook.MaxAlerts, _externalUrl));
        return new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
    }

    static async Task<string> StartOfAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = new char[AnswerLength];
        using var reader = new StreamReader(await content.ReadAsStreamAsync(cancellationToken));
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return new string(buffer, 0, read).ReplaceLineEndings(" ").Trim();
    }
}

/// <summary>One of a route's webhooks, as a receiver of its notifications.</summary>
public sealed class WebhookReceiver(string name, WebhookOptions webhook, WebhookPoster poster) : INotificationReceiver
{
    public string Name => name;

    public Task SendAsync(Route route, Notification notification, int attempt, CancellationToken cancellationToken) =>
        poster.PostAsync(route, name, webhook, notification, cancellationToken);
}
