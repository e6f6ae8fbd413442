using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Load.Generation;

/// <summary>
/// K concurrent senders, each on a connection of its own, each paced by a token bucket to its share of the target
/// rate. Every patient belongs to one sender. The Gateway authenticates a call as one device, so a sender keeps a
/// VitalSignIngestion.IngestStream call open per monitor, with the monitor's credential, for
/// <see cref="LoadOptions.StreamSeconds"/> or until the phase changes; then every call is completed for its
/// acknowledgement, so counts arrive steadily and no call spans two phases. With several Gateways, stream k talks to
/// Gateway k modulo their number, and every call for a monitor (its registration too) goes to its stream's Gateway,
/// as behind a load balancer that keeps a device's connection: no reading waits for a registration to reach
/// another replica through the devices topic.
/// </summary>
internal sealed class IngestionDriver : IDisposable
{
    // A Gateway that fails this many calls of one stream in a row is down, not busy.
    private const int MaxConsecutiveFailures = 20;

    private readonly LoadOptions _options;
    private readonly RunClock _clock;
    private readonly Action<SyntheticPatient, DateTimeOffset> _deteriorated;
    private readonly GrpcChannel[] _channels;
    private readonly SyntheticPatient[][] _patientsByStream;
    private readonly Metadata _registrar;
    private readonly Dictionary<SyntheticPatient, int> _streamOf;

    /// <param name="accessToken">The registrar's bearer token, sent with the registrations.</param>
    public IngestionDriver(IReadOnlyList<Uri> gateways, IReadOnlyList<SyntheticPatient> patients, LoadOptions options, RunClock clock, Action<SyntheticPatient, DateTimeOffset> deteriorated, string accessToken)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentOutOfRangeException.ThrowIfZero(gateways.Count);
        _options = options;
        _clock = clock;
        _deteriorated = deteriorated;
        _registrar = [new Metadata.Entry("authorization", $"Bearer {accessToken}")];
        // A sender holds a call per monitor at once, more than the server's streams per connection (Kestrel: 100).
        _channels = Enumerable.Range(0, options.Streams)
            .Select(stream => GrpcChannel.ForAddress(gateways[stream % gateways.Count], new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
                DisposeHttpClient = true,
            }))
            .ToArray();
        _patientsByStream = Enumerable.Range(0, options.Streams)
            .Select(stream => patients.Where((_, i) => i % options.Streams == stream).ToArray())
            .ToArray();
        _streamOf = patients.Select((patient, i) => (patient, i)).ToDictionary(p => p.patient, p => p.i % options.Streams);
    }

    public IngestionCounters Warmup { get; } = new();

    public IngestionCounters Window { get; } = new();

    public IngestionCounters Of(LoadPhase phase) => phase == LoadPhase.Warmup ? Warmup : Window;

    /// <summary>Binds every monitor to its patient, a few calls at a time, before any reading is sent; each keeps the credential it is issued.</summary>
    public async Task RegisterAsync(IReadOnlyList<SyntheticPatient> patients, CancellationToken cancellationToken)
    {
        // Bound a minute back, so that no reading of the run predates its binding.
        var boundFrom = _clock.Time.GetUtcNow().AddMinutes(-1);
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (patient, token) =>
        {
            var registry = new DeviceRegistry.DeviceRegistryClient(_channels[_streamOf[patient]]);
            patient.Registered((await registry.RegisterDeviceAsync(patient.Registration(boundFrom), _registrar, cancellationToken: token)).DeviceCredential);
        });
    }

    /// <summary>
    /// Sends every patient's first tick, then a second one for <paramref name="markers"/>, each call (one monitor's
    /// tick) waiting for its acknowledgement. Once the markers' twins reflect their second tick, every first tick
    /// before them on their partitions has been applied.
    /// </summary>
    public async Task AdmitAsync(IReadOnlyList<SyntheticPatient> patients, IReadOnlyList<SyntheticPatient> markers, CancellationToken cancellationToken)
    {
        async Task SendAsync(IEnumerable<SyntheticPatient> ticking) =>
            await Parallel.ForEachAsync(ticking, new ParallelOptions { MaxDegreeOfParallelism = 8 * _options.Streams, CancellationToken = cancellationToken }, async (patient, token) =>
            {
                var client = new VitalSignIngestion.VitalSignIngestionClient(_channels[_streamOf[patient]]);
                var batch = new VitalSignBatch();
                // Random.Shared: these calls run in parallel.
                patient.AppendTick(batch, _clock.Time.GetUtcNow(), deteriorate: false, Random.Shared);
                var ack = await client.IngestAsync(batch, patient.Credential, cancellationToken: token);
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
        Task.WhenAll(_patientsByStream.Select((patients, stream) => RunStreamAsync(stream, patients, stop, abort)));

    private async Task RunStreamAsync(int stream, SyntheticPatient[] patients, CancellationToken stop, CancellationToken abort)
    {
        var client = new VitalSignIngestion.VitalSignIngestionClient(_channels[stream]);
        var random = new Random(stream + 1);
        var bucket = new TokenBucket(_options.Rate / (double)_options.Streams, 2.0 * _options.BatchSize, _clock.Time);
        var segment = TimeSpan.FromSeconds(_options.StreamSeconds);
        var cursor = 0;
        var paid = false;
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            var phase = _clock.Phase;
            var counters = Of(phase);
            var opened = _clock.Time.GetTimestamp();
            var calls = new Dictionary<SyntheticPatient, MonitorCall>();
            try
            {
                while (_clock.Time.GetElapsedTime(opened) < segment)
                {
                    if (!paid)
                    {
                        try
                        {
                            await bucket.WaitAsync(_options.BatchSize, stop);
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                    // The phase moved on while this stream waited: the batch opens the next call instead.
                    paid = _clock.Phase != phase;
                    if (paid)
                    {
                        break;
                    }
                    foreach (var (patient, tick) in NextTicks(patients, ref cursor, random))
                    {
                        if (!calls.TryGetValue(patient, out var call))
                        {
                            call = new MonitorCall(client.IngestStream(patient.Credential, cancellationToken: abort));
                            calls[patient] = call;
                        }
                        await call.WriteAsync(tick, abort);
                        counters.Wrote(tick.Readings.Count);
                    }
                }
                var failed = await CompleteAsync(calls.Values, counters, abort);
                failures = failed is null ? 0 : failures + 1;
                if (failures >= MaxConsecutiveFailures)
                {
                    throw new InvalidOperationException($"The Gateway failed stream calls in {failures} rounds in a row (last: {failed!.StatusCode}, {failed.Status.Detail}).", failed);
                }
            }
            finally
            {
                foreach (var call in calls.Values)
                {
                    call.Dispose();
                }
            }
        }
    }

    /// <summary>Completes every call of a round and counts its acknowledgement; returns the last failure, null when none failed.</summary>
    private async Task<RpcException?> CompleteAsync(IEnumerable<MonitorCall> calls, IngestionCounters counters, CancellationToken abort)
    {
        var open = calls.ToList();
        await Task.WhenAll(open.Select(call => call.CompleteAsync()));
        RpcException? failed = null;
        foreach (var call in open)
        {
            try
            {
                counters.Acknowledged(await call.Response, _clock.Time.GetUtcNow());
            }
            catch (RpcException ex) when (!abort.IsCancellationRequested)
            {
                counters.Failed(call.Written, ex.StatusCode);
                failed = ex;
            }
        }
        return failed;
    }

    /// <summary>The next <see cref="LoadOptions.PatientsPerBatch"/> patients' ticks, one batch per monitor.</summary>
    private List<(SyntheticPatient Patient, VitalSignBatch Tick)> NextTicks(SyntheticPatient[] patients, ref int cursor, Random random)
    {
        var ticks = new List<(SyntheticPatient, VitalSignBatch)>(_options.PatientsPerBatch);
        // Stamped at sending: device-to-twin and device-to-alert latencies run from the device's clock.
        var now = _clock.Time.GetUtcNow();
        var windowStart = _clock.WindowStart;
        for (var i = 0; i < _options.PatientsPerBatch; i++)
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

    /// <summary>One monitor's stream call in a round, and the readings written to it.</summary>
    private sealed class MonitorCall(AsyncClientStreamingCall<VitalSignBatch, IngestAck> call) : IDisposable
    {
        private bool _ended;

        public long Written { get; private set; }

        public Task<IngestAck> Response => call.ResponseAsync;

        public async Task WriteAsync(VitalSignBatch tick, CancellationToken cancellationToken)
        {
            Written += tick.Readings.Count;
            if (_ended)
            {
                return;
            }
            try
            {
                await call.RequestStream.WriteAsync(tick, cancellationToken);
            }
            catch (RpcException)
            {
                // The Gateway ended the call; its status comes with the response.
                _ended = true;
            }
        }

        public async Task CompleteAsync()
        {
            if (_ended)
            {
                return;
            }
            try
            {
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // As above: the response says why.
            }
        }

        public void Dispose() => call.Dispose();
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
