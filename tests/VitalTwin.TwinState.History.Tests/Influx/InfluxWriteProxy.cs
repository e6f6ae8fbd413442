using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VitalTwin.TwinState.History.Tests.Influx;

/// <summary>
/// Kestrel in front of influxd 1.6.7, which predates <c>/api/v2/write</c> and <c>/api/v2/delete</c>: writes are
/// mapped onto <c>/write</c>, deletes onto an InfluxQL <c>DELETE</c>, everything else (<c>/query</c>, <c>/ping</c>)
/// passes through. Like any reverse proxy it
/// answers 502 when influxd is unreachable. It also counts write attempts, which the outage tests watch.
/// </summary>
internal sealed class InfluxWriteProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Lock _gate = new();
    private readonly List<(HttpStatusCode Status, TaskCompletionSource Seen)> _waiters = [];
    private int _writeAttempts;

    private InfluxWriteProxy(WebApplication app, Uri upstream)
    {
        _app = app;
        _upstream = new HttpClient { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Url { get; private set; } = null!;

    public int WriteAttempts => Volatile.Read(ref _writeAttempts);

    public static async Task<InfluxWriteProxy> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Whatever appsettings.json sits next to the tests (a service's, with its fixed ports) is not the proxy's.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new InfluxWriteProxy(app, upstream);
        app.MapPost("/api/v2/write", proxy.WriteAsync);
        app.MapPost("/api/v2/delete", proxy.DeleteAsync);
        app.MapFallback(proxy.PassThroughAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        proxy.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return proxy;
    }

    /// <summary>Completes when a write is next answered with <paramref name="status"/>; register before causing it.</summary>
    public Task NextWriteAnswered(HttpStatusCode status)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((status, seen));
        }

        return seen.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task WriteAsync(HttpContext context)
    {
        Interlocked.Increment(ref _writeAttempts);
        var query = context.Request.Query;
        var bucket = query["bucket"].ToString();
        var slash = bucket.IndexOf('/', StringComparison.Ordinal);
        var (database, retentionPolicy) = slash < 0 ? (bucket, string.Empty) : (bucket[..slash], bucket[(slash + 1)..]);

        // 1.6.7 spells nanoseconds and microseconds n and u, and silently misreads "us".
        var precision = query["precision"].ToString() switch
        {
            "ns" => "n",
            "us" => "u",
            var other => other,
        };
        var target = $"write?db={Uri.EscapeDataString(database)}&rp={Uri.EscapeDataString(retentionPolicy)}&precision={Uri.EscapeDataString(precision)}";
        var status = await ForwardAsync(context, HttpMethod.Post, target);
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Status == status).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>
    /// The v2 delete request (a time range and a predicate of <c>key="value"</c> terms joined by AND) as the InfluxQL
    /// statement 1.x runs: the <c>_measurement</c> term names the measurement, every other term is a tag condition.
    /// </summary>
    private async Task DeleteAsync(HttpContext context)
    {
        var bucket = context.Request.Query["bucket"].ToString();
        var database = bucket.Split('/')[0];
        var request = await JsonSerializer.DeserializeAsync<DeleteRequest>(context.Request.Body, cancellationToken: context.RequestAborted);
        if (request is null || DeletePredicate.Parse(request.Predicate) is not { } terms)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var measurement = terms.Where(t => t.Key == "_measurement").Select(t => t.Value).SingleOrDefault();
        var conditions = terms.Where(t => t.Key != "_measurement")
            .Select(t => $"{QuoteIdentifier(t.Key)} = {QuoteString(t.Value)}")
            .Append($"time >= {QuoteString(request.Start)} AND time <= {QuoteString(request.Stop)}");
        var from = measurement is null ? string.Empty : $" FROM {QuoteIdentifier(measurement)}";
        var statement = $"DELETE{from} WHERE {string.Join(" AND ", conditions)}";
        var target = $"query?db={Uri.EscapeDataString(database)}";
        using var upstream = new HttpRequestMessage(HttpMethod.Post, target) { Content = new FormUrlEncodedContent([new("q", statement)]) };
        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(upstream, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(context.RequestAborted);
            // 1.x answers a failed statement with 200 and an error in the body; v2 answers 204 or an error status.
            context.Response.StatusCode = !response.IsSuccessStatusCode ? (int)response.StatusCode
                : body.Contains("\"error\"", StringComparison.Ordinal) ? StatusCodes.Status400BadRequest
                : StatusCodes.Status204NoContent;
        }
    }

    // Its own quoting rather than the store's, so that the proxy also serves test projects that cannot see the store's internals.
    private static string QuoteIdentifier(string name) => $"\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    private static string QuoteString(string value) => $"'{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'";

    private async Task PassThroughAsync(HttpContext context)
    {
        var target = context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString.Value;
        await ForwardAsync(context, new HttpMethod(context.Request.Method), target);
    }

    private async Task<HttpStatusCode> ForwardAsync(HttpContext context, HttpMethod method, string target)
    {
        using var request = new HttpRequestMessage(method, target);
        if (HttpMethods.IsPost(context.Request.Method))
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            if (context.Request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
            }
        }

        if (context.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return HttpStatusCode.BadGateway;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (name.StartsWith("X-Influxdb", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            return response.StatusCode;
        }
    }
}

internal sealed record DeleteRequest(
    [property: JsonPropertyName("start")] string Start,
    [property: JsonPropertyName("stop")] string Stop,
    [property: JsonPropertyName("predicate")] string Predicate);

/// <summary>The subset of the v2 delete predicate grammar a store sends: <c>key="value"</c> terms joined by AND.</summary>
internal static class DeletePredicate
{
    public static IReadOnlyList<KeyValuePair<string, string>>? Parse(string? predicate)
    {
        var terms = new List<KeyValuePair<string, string>>();
        var text = predicate ?? string.Empty;
        var i = 0;
        while (true)
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"')
            {
                return null;
            }

            var key = text[i..equals].Trim();
            var value = new System.Text.StringBuilder();
            var j = equals + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                }

                value.Append(text[j]);
            }

            if (j >= text.Length || key.Length == 0)
            {
                return null;
            }

            terms.Add(new(key, value.ToString()));
            var rest = text[(j + 1)..].TrimStart();
            if (rest.Length == 0)
            {
                return terms;
            }

            if (!rest.StartsWith("AND ", StringComparison.Ordinal))
            {
                return null;
            }

            i = text.Length - rest.Length + 4;
        }
    }
}
