using System.Collections.Concurrent;
using System.Net;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VitalTwin.TwinState.Snapshots.Tests;

/// <summary>
/// The Dapr sidecar's state API, served by Kestrel over HTTP/2 on a free loopback port, with Dapr's semantics:
/// ETag checks answer Aborted, bulk get answers missing keys with empty data and in no particular order.
/// </summary>
internal sealed class FakeDaprSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeDaprSidecar(WebApplication app, FakeDaprState state, string address)
    {
        _app = app;
        State = state;
        Address = address;
    }

    public FakeDaprState State { get; }

    public string Address { get; }

    public static async Task<FakeDaprSidecar> StartAsync(string? requiredApiToken, CancellationToken ct)
    {
        var state = new FakeDaprState(requiredApiToken);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.MapGrpcService<FakeDaprStateService>();
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new FakeDaprSidecar(app, state, address);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>What the fake sidecar holds, and the faults a test asks it to inject.</summary>
internal sealed class FakeDaprState(string? requiredApiToken)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Store, string Key), (ByteString Value, string ETag)> _values = [];
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Status>> _faults = new();
    private readonly ConcurrentDictionary<string, Hold> _holds = new();
    private readonly ConcurrentQueue<string?> _apiTokens = new();
    private long _version;

    public IReadOnlyCollection<string?> ApiTokensSeen => _apiTokens;

    public int Calls(string method) => _calls.GetValueOrDefault(method);

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> fail with <paramref name="code"/>.</summary>
    public void FailNext(string method, StatusCode code, int times, string? detail = null)
    {
        var queue = _faults.GetOrAdd(method, _ => new ConcurrentQueue<Status>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(new Status(code, detail ?? $"injected {code}"));
        }
    }

    /// <summary>The next call of <paramref name="method"/> waits until the caller cancels it.</summary>
    public Hold HoldNext(string method) => _holds[method] = new Hold();

    /// <summary>Writes a raw value, as another client of the same store could.</summary>
    public void Put(string store, string key, ByteString value)
    {
        lock (_gate)
        {
            _values[(store, key)] = (value, NextETag());
        }
    }

    public ByteString? Stored(string store, string key)
    {
        lock (_gate)
        {
            return _values.TryGetValue((store, key), out var value) ? value.Value : null;
        }
    }

    public async Task EnterAsync(string method, ServerCallContext context)
    {
        _calls.AddOrUpdate(method, 1, static (_, n) => n + 1);
        var token = context.RequestHeaders.GetValue("dapr-api-token");
        _apiTokens.Enqueue(token);
        if (requiredApiToken is not null && token != requiredApiToken)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Unauthorized"));
        }

        if (_faults.TryGetValue(method, out var faults) && faults.TryDequeue(out var fault))
        {
            throw new RpcException(fault);
        }

        if (_holds.TryRemove(method, out var hold))
        {
            hold.Entered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                hold.Cancelled.TrySetResult();
                throw;
            }
        }
    }

    public void Save(string store, IEnumerable<StateItem> items)
    {
        lock (_gate)
        {
            var list = items.ToList();
            foreach (var item in list)
            {
                if (item.Etag is not null && !(_values.TryGetValue((store, item.Key), out var current) && current.ETag == item.Etag.Value))
                {
                    throw new RpcException(new Status(StatusCode.Aborted, $"failed saving state in state store {store}: possible etag mismatch"));
                }
            }

            foreach (var item in list)
            {
                _values[(store, item.Key)] = (item.Value, NextETag());
            }
        }
    }

    public (ByteString Value, string ETag)? Get(string store, string key)
    {
        lock (_gate)
        {
            return _values.TryGetValue((store, key), out var value) ? value : null;
        }
    }

    public void Delete(string store, string key, Etag? etag)
    {
        lock (_gate)
        {
            if (etag is not null && !(_values.TryGetValue((store, key), out var current) && current.ETag == etag.Value))
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"failed deleting state in state store {store}: possible etag mismatch"));
            }

            _values.Remove((store, key));
        }
    }

    private string NextETag() => Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal sealed class Hold
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

internal sealed class FakeDaprStateService(FakeDaprState state) : DaprStateServiceBase
{
    public override async Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        await state.EnterAsync(nameof(SaveState), context);
        state.Save(request.StoreName, request.States);
        return new Empty();
    }

    public override async Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        await state.EnterAsync(nameof(GetState), context);
        return state.Get(request.StoreName, request.Key) is { } found
            ? new GetStateResponse { Data = found.Value, Etag = found.ETag }
            : new GetStateResponse();
    }

    public override async Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context)
    {
        await state.EnterAsync(nameof(GetBulkState), context);
        var response = new GetBulkStateResponse();

        // Reversed: the real sidecar fetches keys in parallel and answers in whatever order they complete.
        foreach (var key in request.Keys.Reverse())
        {
            response.Items.Add(state.Get(request.StoreName, key) is { } found
                ? new BulkStateItem { Key = key, Data = found.Value, Etag = found.ETag }
                : new BulkStateItem { Key = key });
        }

        return response;
    }

    public override async Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        await state.EnterAsync(nameof(DeleteState), context);
        state.Delete(request.StoreName, request.Key, request.Etag);
        return new Empty();
    }
}
