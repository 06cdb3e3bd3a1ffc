using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// The on-call page at <c>/</c>: three static files built into the program, which call the API with the browser's basic
/// authentication. Nothing comes from another host, and the content security policy lets no script run but this one
/// file, so an alert's text can only ever be text.
/// </summary>
public static class OnCallPage
{
    const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    static readonly FrozenDictionary<string, (byte[] Content, string Type, EntityTagHeaderValue Tag)> Files = new[]
    {
        ("index.html", "text/html; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(file => file.Item1, file => Load(file.Item1, file.Item2));

    public static void MapOnCallPage(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup("").AddEndpointFilter(RequestGuards.AuthenticateAsync);
        page.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        page.MapGet("/page/{name}", (string name, HttpContext context) => Serve(context, name));
    }

    static IResult Serve(HttpContext context, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache"; // revalidated by its tag: a new version is seen at the next load
        return Results.Bytes(file.Content, file.Type, entityTag: file.Tag);
    }

    static (byte[], string, EntityTagHeaderValue) Load(string name, string type)
    {
        using var resource = typeof(OnCallPage).Assembly.GetManifestResourceStream($"page/{name}")
            ?? throw new InvalidOperationException($"the page's {name} is not built into the program");
        using var content = new MemoryStream();
        resource.CopyTo(content);
        var bytes = content.ToArray();
        return (bytes, type, new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\""));
    }
}
