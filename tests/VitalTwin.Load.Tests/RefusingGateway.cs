using System.Globalization;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Load.Tests;

/// <summary>
/// The Gateway's IngestStream on a free loopback port (Kestrel, HTTP/2) that refuses its first calls for
/// back-pressure as the Gateway does: at their first batch, with UNAVAILABLE and a <c>grpc-retry-pushback-ms</c>
/// trailer, nothing of the call taken. Later calls are stored whole and acknowledged. Records both, in arrival order.
/// </summary>
internal sealed class RefusingGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RefusingGateway(WebApplication app, RefusingGatewayState state, Uri address)
    {
        _app = app;
        State = state;
        Address = address;
    }

    public RefusingGatewayState State { get; }

    public Uri Address { get; }

    public static async Task<RefusingGateway> StartAsync(int callsToRefuse, TimeSpan pushback)
    {
        var state = new RefusingGatewayState(callsToRefuse, pushback);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.MapGrpcService<RefusingIngestion>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First(a => a.Contains("127.0.0.1", StringComparison.Ordinal));
        return new RefusingGateway(app, state, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

internal sealed class RefusingGatewayState(int callsToRefuse, TimeSpan pushback)
{
    private readonly Lock _gate = new();
    private readonly List<VitalSignReading> _stored = [];
    private readonly List<VitalSignReading> _refused = [];
    private readonly TaskCompletionSource _refusedAllStored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _toRefuse = callsToRefuse;

    public TimeSpan Pushback => pushback;

    public IReadOnlyList<VitalSignReading> Stored
    {
        get
        {
            lock (_gate)
            {
                return [.. _stored];
            }
        }
    }

    /// <summary>The readings of the refused calls' first batches: all the Gateway saw of them.</summary>
    public IReadOnlyList<VitalSignReading> Refused
    {
        get
        {
            lock (_gate)
            {
                return [.. _refused];
            }
        }
    }

    /// <summary>Completes once every call meant to be refused was, and every reading the Gateway saw of them was stored since.</summary>
    public Task RefusedAllStored => _refusedAllStored.Task;

    /// <summary>Whether the call whose first batch this is is refused; its readings are noted either way.</summary>
    public bool Take(VitalSignBatch first)
    {
        lock (_gate)
        {
            if (_toRefuse > 0)
            {
                _toRefuse--;
                _refused.AddRange(first.Readings);
                return true;
            }
            Store(first);
            return false;
        }
    }

    public void Store(VitalSignBatch batch)
    {
        lock (_gate)
        {
            _stored.AddRange(batch.Readings);
            var stored = _stored.Select(Key).ToHashSet();
            if (_toRefuse == 0 && _refused.All(r => stored.Contains(Key(r))))
            {
                _refusedAllStored.TrySetResult();
            }
        }
    }

    public static (string Device, ulong Sequence) Key(VitalSignReading reading) => (reading.DeviceId, reading.SequenceNumber);
}

internal sealed class RefusingIngestion(RefusingGatewayState state) : VitalSignIngestion.VitalSignIngestionBase
{
    public override async Task<IngestAck> IngestStream(IAsyncStreamReader<VitalSignBatch> requestStream, ServerCallContext context)
    {
        var ack = new IngestAck();
        var first = true;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var batch = requestStream.Current;
            if (first && state.Take(batch))
            {
                throw new RpcException(
                    new Status(StatusCode.Unavailable, "consumers behind; resend after the hinted wait"),
                    new Metadata { { "grpc-retry-pushback-ms", ((long)state.Pushback.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) } });
            }
            if (!first)
            {
                state.Store(batch);
            }
            first = false;
            ack.Accepted += (uint)batch.Readings.Count;
        }
        return ack;
    }
}
