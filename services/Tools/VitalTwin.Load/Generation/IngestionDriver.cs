using Grpc.Net.Client;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Load.Generation;

/// <summary>One Gateway of the system: its gRPC address (registrations, and the gRPC door), and where its doors are.</summary>
internal sealed record GatewayInstance(Uri Grpc, GatewayAddresses Doors);

/// <summary>
/// K concurrent senders, each on connections of its own, each paced by a token bucket to its share of the target
/// rate, sending through one of the Gateway's front doors. Every patient belongs to one sender. With several
/// Gateways, sender k talks to Gateway k modulo their number, and every call for a monitor (its registration too)
/// goes to its sender's Gateway, as behind a load balancer that keeps a device's connection: no reading waits for a
/// registration to reach another replica through the devices topic. Registrations are gRPC whatever the door.
/// </summary>
internal abstract class IngestionDriver : IAsyncDisposable
{
    // A Gateway that fails this many rounds of one sender in a row is down, not busy.
    protected const int MaxConsecutiveFailures = 20;

    private readonly Action<SyntheticPatient, DateTimeOffset> _deteriorated;
    private readonly Dictionary<SyntheticPatient, int> _streamOf;
    private readonly string _registrar;

    /// <param name="accessToken">The registrar's bearer token, sent with the registrations.</param>
    protected IngestionDriver(IReadOnlyList<GatewayInstance> gateways, IReadOnlyList<SyntheticPatient> patients, LoadOptions options, RunClock clock, Action<SyntheticPatient, DateTimeOffset> deteriorated, string accessToken)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentOutOfRangeException.ThrowIfZero(gateways.Count);
        Options = options;
        Clock = clock;
        Gateways = gateways;
        _deteriorated = deteriorated;
        _registrar = accessToken;
        // A gRPC sender holds a call per monitor at once, more than the server's streams per connection (Kestrel: 100).
        Channels = Enumerable.Range(0, options.Streams)
            .Select(stream => GrpcChannel.ForAddress(Gateways[stream % Gateways.Count].Grpc, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
                DisposeHttpClient = true,
            }))
            .ToArray();
        PatientsByStream = Enumerable.Range(0, options.Streams)
            .Select(stream => patients.Where((_, i) => i % options.Streams == stream).ToArray())
            .ToArray();
        _streamOf = patients.Select((patient, i) => (patient, i)).ToDictionary(p => p.patient, p => p.i % options.Streams);
    }

    /// <summary>The door this driver sends through.</summary>
    public abstract DeviceTransportKind Kind { get; }

    /// <summary>The system the monitors are registered with as their ingest system; null when each sends as itself.</summary>
    protected virtual string? IngestSystem => null;

    protected LoadOptions Options { get; }

    protected RunClock Clock { get; }

    protected IReadOnlyList<GatewayInstance> Gateways { get; }

    /// <summary>A gRPC channel per sender, to its Gateway.</summary>
    protected GrpcChannel[] Channels { get; }

    protected SyntheticPatient[][] PatientsByStream { get; }

    public IngestionCounters Warmup { get; } = new();

    public IngestionCounters Window { get; } = new();

    public IngestionCounters Of(LoadPhase phase) => phase == LoadPhase.Warmup ? Warmup : Window;

    /// <summary>The driver of a door: gRPC keeps its IngestStream calls, the other doors send through <see cref="IDeviceTransport"/>.</summary>
    public static IngestionDriver Create(DeviceTransportKind kind, IReadOnlyList<GatewayInstance> gateways, IReadOnlyList<SyntheticPatient> patients, LoadOptions options, RunClock clock, Action<SyntheticPatient, DateTimeOffset> deteriorated, string accessToken) =>
        kind == DeviceTransportKind.Grpc
            ? new StreamIngestionDriver(gateways, patients, options, clock, deteriorated, accessToken)
            : new TransportIngestionDriver(kind, gateways, patients, options, clock, deteriorated, accessToken);

    /// <summary>Where sender <paramref name="stream"/>'s door is.</summary>
    protected GatewayAddresses DoorsOf(int stream) => Gateways[stream % Gateways.Count].Doors;

    /// <summary>
    /// Binds every monitor to its patient before any reading is sent, as a registration system admitting a ward
    /// does: RegisterDevices calls of up to <see cref="DevicesPerRegistration"/> monitors, to the Gateway each
    /// monitor sends to. Each monitor keeps the credential it is issued; a monitor refused fails the run.
    /// </summary>
    public async Task RegisterAsync(IReadOnlyList<SyntheticPatient> patients, CancellationToken cancellationToken)
    {
        // Bound a minute back, so that no reading of the run predates its binding.
        var boundFrom = Clock.Time.GetUtcNow().AddMinutes(-1);
        Grpc.Core.Metadata registrar = [new Grpc.Core.Metadata.Entry("authorization", $"Bearer {_registrar}")];
        var calls = patients
            .GroupBy(patient => Gateways[_streamOf[patient] % Gateways.Count])
            .SelectMany(byGateway => byGateway.Chunk(DevicesPerRegistration).Select(chunk => (Channel: Channels[_streamOf[chunk[0]]], Patients: chunk)));
        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (call, token) =>
        {
            var request = new RegisterDevicesRequest { Devices = { call.Patients.Select(patient => patient.Registration(boundFrom, IngestSystem)) } };
            var response = await new DeviceRegistry.DeviceRegistryClient(call.Channel).RegisterDevicesAsync(request, registrar, cancellationToken: token);
            foreach (var result in response.Results)
            {
                if (result.OutcomeCase != RegisterDeviceResult.OutcomeOneofCase.Registered)
                {
                    throw new InvalidOperationException($"The Gateway refused monitor {result.DeviceId}: {result.Refused?.Detail}");
                }
                call.Patients[result.Index].Registered(result.Registered.DeviceCredential);
            }
        });
    }

    /// <summary>Monitors per RegisterDevices call: the Gateway takes up to 1,000.</summary>
    private const int DevicesPerRegistration = 500;

    /// <summary>
    /// Sends every patient's first tick, then a second one for <paramref name="markers"/>, each call (one monitor's
    /// tick) waiting for its acknowledgement. Once the markers' twins reflect their second tick, every first tick
    /// before them on their partitions has been applied.
    /// </summary>
    public async Task AdmitAsync(IReadOnlyList<SyntheticPatient> patients, IReadOnlyList<SyntheticPatient> markers, CancellationToken cancellationToken)
    {
        async Task SendAsync(IEnumerable<SyntheticPatient> ticking) =>
            await Parallel.ForEachAsync(ticking, new ParallelOptions { MaxDegreeOfParallelism = 8 * Options.Streams, CancellationToken = cancellationToken }, async (patient, token) =>
            {
                var tick = new VitalSignBatch();
                // Random.Shared: these calls run in parallel.
                patient.AppendTick(tick, Clock.Time.GetUtcNow(), deteriorate: false, Random.Shared);
                var ack = await SendTickAsync(_streamOf[patient], patient, tick, token);
                if (ack.Rejected > 0)
                {
                    throw new InvalidOperationException($"The Gateway rejected {ack.Rejected} admission readings ({ack.Rejections[0].Reason}: {ack.Rejections[0].Detail}).");
                }
            });
        await SendAsync(patients);
        await SendAsync(markers);
    }

    /// <summary>Sends until <paramref name="stop"/> is cancelled, then completes every call and waits for its acknowledgement.</summary>
    public Task RunAsync(CancellationToken stop, CancellationToken abort) =>
        Task.WhenAll(PatientsByStream.Select((patients, stream) => RunStreamAsync(stream, patients, stop, abort)));

    /// <summary>One monitor's tick, sent on its own and acknowledged.</summary>
    protected abstract Task<IngestAck> SendTickAsync(int stream, SyntheticPatient patient, VitalSignBatch tick, CancellationToken cancellationToken);

    protected abstract Task RunStreamAsync(int stream, SyntheticPatient[] patients, CancellationToken stop, CancellationToken abort);

    /// <summary>The next <see cref="LoadOptions.PatientsPerBatch"/> patients' ticks, one batch per monitor.</summary>
    protected List<(SyntheticPatient Patient, VitalSignBatch Tick)> NextTicks(SyntheticPatient[] patients, ref int cursor, Random random)
    {
        var ticks = new List<(SyntheticPatient, VitalSignBatch)>(Options.PatientsPerBatch);
        // Stamped at sending: device-to-twin and device-to-alert latencies run from the device's clock.
        var now = Clock.Time.GetUtcNow();
        var windowStart = Clock.WindowStart;
        for (var i = 0; i < Options.PatientsPerBatch; i++)
        {
            var patient = patients[cursor];
            cursor = (cursor + 1) % patients.Length;
            var deteriorates = patient.DeterioratesNow(now, windowStart);
            if (deteriorates)
            {
                _deteriorated(patient, now);
            }
            var tick = new VitalSignBatch();
            patient.AppendTick(tick, now, deteriorates, random);
            ticks.Add((patient, tick));
        }
        return ticks;
    }

    public virtual ValueTask DisposeAsync()
    {
        DisposeChannels();
        return ValueTask.CompletedTask;
    }

    protected void DisposeChannels()
    {
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }
    }
}
