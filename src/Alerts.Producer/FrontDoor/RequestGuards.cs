using System.Security.Cryptography;
using System.Text;
using Alerts.ServiceDefaults;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Alerts.Producer.FrontDoor;

/// <summary>Who may ask the front door, and from where: the filters in front of the API and the page.</summary>
public static class RequestGuards
{
    /// <summary>
    /// Bearer token or basic authentication, compared in constant time; none only where the settings allow it. The
    /// challenge offers basic authentication first on its own line, so a browser asks for a name and a password.
    /// </summary>
    public static async ValueTask<object?> AuthenticateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<FrontDoorOptions>>().Value;
        if (options.AllowAnonymousOnLoopback || IsAuthorized(context.HttpContext.Request.Headers.Authorization.ToString(), options))
        {
            return await next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = new StringValues(["Basic realm=\"alerts\", charset=\"UTF-8\"", "Bearer realm=\"alerts\""]);
        return FrontDoorEndpoints.Error(StatusCodes.Status401Unauthorized, "a bearer token or basic authentication is required (see FrontDoor settings)");
    }

    /// <summary>
    /// A browser sends the basic credentials it holds with any request to this host, also one another site's page makes.
    /// A request that changes something is refused when the browser says it came from another site (<c>Sec-Fetch-Site</c>,
    /// or an <c>Origin</c> that is not this host), as Go's <c>http.CrossOriginProtection</c> does. Clients that are not
    /// browsers (Prometheus, amtool, curl) send neither header and pass.
    /// </summary>
    public static async ValueTask<object?> RefuseCrossSiteAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || IsSameOrigin(request))
        {
            return await next(context);
        }

        return FrontDoorEndpoints.Error(StatusCodes.Status403Forbidden, "a request that changes something is accepted only from this front door's own page");
    }

    /// <summary>The silences and the parked queues live in the broker: without it, 503, so a client tries again.</summary>
    public static async ValueTask<object?> AnswerUnreachableBrokerAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception failure) when (BrokerConnection.IsConnectionFailure(failure))
        {
            return FrontDoorEndpoints.Error(StatusCodes.Status503ServiceUnavailable, $"the broker cannot be reached: {failure.GetBaseException().Message}");
        }
    }

    static bool IsSameOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site)
        {
            return site is "same-origin" or "none";
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0
            || (Uri.TryCreate(origin, UriKind.Absolute, out var from) && string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }

    static bool IsAuthorized(string authorization, FrontDoorOptions options)
    {
        if (options.BearerToken is { Length: > 0 } token && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return SameText(authorization[7..].Trim(), token);
        }

        if (options.Username is { Length: > 0 } user && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return SameText(Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim())), $"{user}:{options.Password}");
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return false;
    }

    static bool SameText(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
