using System.Collections.Concurrent;
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
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Simulator.Tests;

/// <summary>
/// The Gateway's device-facing gRPC services on a free loopback port (Kestrel, HTTP/2), attributing readings by the
/// binding in force when they were observed, as the Gateway does, and recording what it received. As the Gateway,
/// it issues each registration a new device credential (the previous one stops working), refuses an ingest call
/// without the current credential of a device with UNAUTHENTICATED, and refuses a reading naming another device.
/// </summary>
internal sealed class FakeGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeGateway(WebApplication app, FakeGatewayState state, string address)
    {
        _app = app;
        State = state;
        Address = address;
    }

    public FakeGatewayState State { get; }

    public string Address { get; }

    public static async Task<FakeGateway> StartAsync(TimeProvider clock)
    {
        var state = new FakeGatewayState(clock);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.MapGrpcService<FakeIngestion>();
        app.MapGrpcService<FakeRegistry>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new FakeGateway(app, state, address);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

internal sealed class FakeGatewayState(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly List<VitalSignReading> _accepted = [];
    private readonly List<VitalSignReading> _mismatched = [];
    private readonly List<RegisterDeviceRequest> _registrations = [];
    private readonly List<string> _registrationAuthorizations = [];
    private readonly Dictionary<string, string> _deviceByCredential = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _credentialByDevice = new(StringComparer.Ordinal);
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _failuresToInject;

    public DeviceBindings Bindings { get; } = new();

    public IReadOnlyList<VitalSignReading> Accepted
    {
        get
        {
            lock (_gate)
            {
                return [.. _accepted];
            }
        }
    }

    public IReadOnlyList<VitalSignReading> Mismatched
    {
        get
        {
            lock (_gate)
            {
                return [.. _mismatched];
            }
        }
    }

    public IReadOnlyList<RegisterDeviceRequest> Registrations
    {
        get
        {
            lock (_gate)
            {
                return [.. _registrations];
            }
        }
    }

    /// <summary>The authorization header of each registration, in order (empty when it had none).</summary>
    public IReadOnlyList<string> RegistrationAuthorizations
    {
        get
        {
            lock (_gate)
            {
                return [.. _registrationAuthorizations];
            }
        }
    }

    public int IngestCalls { get; private set; }

    /// <summary>Ingest calls refused for a missing, unknown or superseded credential.</summary>
    public int UnauthenticatedCalls { get; private set; }

    /// <summary>The next <paramref name="calls"/> ingest calls fail with Unavailable, as when Kafka is down.</summary>
    public void FailNextIngests(int calls) => Interlocked.Exchange(ref _failuresToInject, calls);

    /// <summary>Completes once at least <paramref name="count"/> readings have been accepted.</summary>
    public Task WaitForAcceptedAsync(int count, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_accepted.Count >= count)
            {
                return Task.CompletedTask;
            }
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }

    /// <summary>When set, registrations without this bearer token are refused, as the Gateway refuses a caller without the registrar role.</summary>
    public string? RegistrarToken { get; set; }

    public RegisterDeviceResponse Register(RegisterDeviceRequest request, string authorization)
    {
        if (RegistrarToken is not null && authorization != $"Bearer {RegistrarToken}")
        {
            throw new RpcException(new Status(authorization.Length == 0 ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, "not a registrar"));
        }
        var from = request.BoundFrom?.ToDateTimeOffset() ?? clock.GetUtcNow();
        var credential = $"fake.{Guid.NewGuid():N}";
        lock (_gate)
        {
            _registrations.Add(request);
            _registrationAuthorizations.Add(authorization);
            var rebound = Bindings.TryResolve(request.DeviceId, from, out var previous) && previous != request.PatientId;
            Bindings.Bind(request.DeviceId, request.PatientId, from);
            if (_credentialByDevice.Remove(request.DeviceId, out var superseded))
            {
                _deviceByCredential.Remove(superseded);
            }
            _credentialByDevice[request.DeviceId] = credential;
            _deviceByCredential[credential] = request.DeviceId;
            return new RegisterDeviceResponse { Rebound = rebound, DeviceCredential = credential };
        }
    }

    public IngestAck Ingest(VitalSignBatch batch, string authorization)
    {
        string? device;
        lock (_gate)
        {
            const string scheme = "Device ";
            if (!authorization.StartsWith(scheme, StringComparison.Ordinal) || !_deviceByCredential.TryGetValue(authorization[scheme.Length..], out device))
            {
                UnauthenticatedCalls++;
                throw new RpcException(new Status(StatusCode.Unauthenticated, "no valid device credential"));
            }
        }
        if (Interlocked.Decrement(ref _failuresToInject) >= 0)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "readings could not be stored; resend the batch"));
        }
        var ack = new IngestAck();
        lock (_gate)
        {
            IngestCalls++;
            foreach (var reading in batch.Readings)
            {
                if (reading.DeviceId != device)
                {
                    _mismatched.Add(reading);
                    ack.Rejected++;
                    ack.Rejections.Add(new ReadingRejection { DeviceId = reading.DeviceId, SequenceNumber = reading.SequenceNumber, Reason = RejectionReason.DeviceMismatch });
                }
                else if (Bindings.TryResolve(reading.DeviceId, reading.ObservedAt.ToDateTimeOffset(), out var patient) && patient == reading.PatientId)
                {
                    _accepted.Add(reading);
                    ack.Accepted++;
                }
                else
                {
                    _mismatched.Add(reading);
                    ack.Rejected++;
                    ack.Rejections.Add(new ReadingRejection { DeviceId = reading.DeviceId, SequenceNumber = reading.SequenceNumber, Reason = RejectionReason.DevicePatientMismatch });
                }
            }
            foreach (var waiter in _waiters.Where(w => _accepted.Count >= w.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
        return ack;
    }
}

internal sealed class FakeIngestion(FakeGatewayState state) : VitalSignIngestion.VitalSignIngestionBase
{
    public override Task<IngestAck> Ingest(VitalSignBatch request, ServerCallContext context) =>
        Task.FromResult(state.Ingest(request, context.RequestHeaders.GetValue("authorization") ?? string.Empty));
}

internal sealed class FakeRegistry(FakeGatewayState state) : DeviceRegistry.DeviceRegistryBase
{
    public override Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context) =>
        Task.FromResult(state.Register(request, context.RequestHeaders.GetValue("authorization") ?? string.Empty));
}
