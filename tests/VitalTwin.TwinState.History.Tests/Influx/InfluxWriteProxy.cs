using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VitalTwin.TwinState.History.Tests.Influx;

/// <summary>
/// Kestrel in front of influxd 1.6.7, which predates <c>/api/v2/write</c>: that one path is mapped onto
/// <c>/write</c>, everything else (<c>/query</c>, <c>/ping</c>) passes through. Like any reverse proxy it
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
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new InfluxWriteProxy(app, upstream);
        app.MapPost("/api/v2/write", proxy.WriteAsync);
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
