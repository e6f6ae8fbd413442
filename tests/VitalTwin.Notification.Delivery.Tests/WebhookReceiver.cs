using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>What the receiver answers one request with; <see cref="Hold"/> keeps the request open until released or aborted.</summary>
internal sealed record Reply(int Status, TimeSpan? RetryAfter = null, Task? Hold = null)
{
    public static readonly Reply Accept = new(StatusCodes.Status200OK);
    public static readonly Reply Unavailable = new(StatusCodes.Status503ServiceUnavailable);
}

/// <summary>One POST as the receiver saw it, and what it answered (null: the sender went away before the answer).</summary>
internal sealed record ReceivedRequest(IReadOnlyDictionary<string, string> Headers, string ContentType, byte[] Body, DateTimeOffset At)
{
    public int? Status { get; set; }

    public string IdempotencyKey => Headers.GetValueOrDefault(DeliveryHeaders.IdempotencyKey, string.Empty);

    public string Text => Encoding.UTF8.GetString(Body);

    public bool Accepted => Status is >= 200 and < 300;
}

/// <summary>
/// A subscriber: real Kestrel on a loopback port, which can be stopped (connections refused) and started again on
/// the same port. Records every request; <see cref="Respond"/> decides each answer.
/// </summary>
internal sealed class WebhookReceiver(TimeProvider? clock = null) : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly Signal _received = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private WebApplication? _app;

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}/alerts";

    public Func<ReceivedRequest, Reply> Respond { get; set; } = _ => Reply.Accept;

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    /// <summary>One request per idempotency key, the first the receiver accepted, in order of arrival: what a de-duplicating subscriber keeps.</summary>
    public IReadOnlyList<ReceivedRequest> Deduplicated =>
        Requests.Where(r => r.Accepted).GroupBy(r => r.IdempotencyKey).Select(g => g.First()).ToList();

    public static async Task<WebhookReceiver> StartAsync(TimeProvider? clock = null)
    {
        var receiver = new WebhookReceiver(clock);
        await receiver.StartAsync();
        return receiver;
    }

    /// <summary>Listens again, on the same port as before (a free one the first time).</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.MapPost("/alerts", HandleAsync);
        await app.StartAsync();
        Port = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        _app = app;
    }

    /// <summary>Stops listening: from now on connections are refused.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public Task WaitUntilAsync(Func<IReadOnlyList<ReceivedRequest>, bool> condition, string what) =>
        _received.WaitUntilAsync(() => condition(Requests), what);

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest(headers, context.Request.ContentType ?? string.Empty, body.ToArray(), _clock.GetUtcNow());
        var reply = Respond(request);
        _requests.Enqueue(request);
        _received.Pulse();
        if (reply.Hold is { } hold)
        {
            try
            {
                await hold.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                _received.Pulse();
                return;
            }
        }
        if (reply.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        context.Response.StatusCode = reply.Status;
        request.Status = reply.Status;
        _received.Pulse();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
