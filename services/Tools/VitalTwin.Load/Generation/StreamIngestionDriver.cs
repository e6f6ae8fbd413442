using Grpc.Core;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Load.Generation;

/// <summary>
/// The gRPC door as the benchmark has always driven it. The Gateway authenticates a call as one device, so a sender
/// keeps a VitalSignIngestion.IngestStream call open per monitor, with the monitor's credential, for
/// <see cref="LoadOptions.StreamSeconds"/> or until the phase changes; then every call is completed for its
/// acknowledgement, so counts arrive steadily and no call spans two phases. The ticks of calls the Gateway refused
/// for back-pressure are sent again, first thing, once its hinted wait is over (<see cref="ResendBacklog"/>); so are
/// those of calls their connection failed.
/// </summary>
internal sealed class StreamIngestionDriver(IReadOnlyList<GatewayInstance> gateways, IReadOnlyList<SyntheticPatient> patients, LoadOptions options, RunClock clock, Action<SyntheticPatient, DateTimeOffset> deteriorated, string accessToken)
    : IngestionDriver(gateways, patients, options, clock, deteriorated, accessToken)
{
    public override DeviceTransportKind Kind => DeviceTransportKind.Grpc;

    protected override Task<IngestAck> SendTickAsync(int stream, SyntheticPatient patient, VitalSignBatch tick, CancellationToken cancellationToken) =>
        new VitalSignIngestion.VitalSignIngestionClient(Channels[stream]).IngestAsync(tick, GrpcDeviceTransport.Headers(patient.Login), cancellationToken: cancellationToken).ResponseAsync;

    protected override async Task RunStreamAsync(int stream, SyntheticPatient[] patients, CancellationToken stop, CancellationToken abort)
    {
        var client = new VitalSignIngestion.VitalSignIngestionClient(Channels[stream]);
        var random = new Random(stream + 1);
        var share = Options.Rate / (double)Options.Streams;
        var bucket = new TokenBucket(share, 2.0 * Options.BatchSize, Clock.Time);
        var backlog = new ResendBacklog((long)Math.Max(Options.BatchSize, share * ResendBacklogSeconds));
        var segment = TimeSpan.FromSeconds(Options.StreamSeconds);
        var cursor = 0;
        var paid = false;
        var failures = 0;
        long? stoppedAt = null;
        while (true)
        {
            if (stop.IsCancellationRequested)
            {
                // Sending has ended, but a monitor still delivers what it kept: the backlog is resent until it is
                // empty, for as long as the run waits for the twins to drain.
                stoppedAt ??= Clock.Time.GetTimestamp();
                if (backlog.IsEmpty)
                {
                    break;
                }
                if (Clock.Time.GetElapsedTime(stoppedAt.Value) >= TimeSpan.FromSeconds(Options.DrainTimeout))
                {
                    Of(Clock.Phase).Dropping(backlog.DropAll());
                    break;
                }
            }
            var phase = Clock.Phase;
            var counters = Of(phase);
            var opened = Clock.Time.GetTimestamp();
            var calls = new Dictionary<SyntheticPatient, MonitorCall>();
            TimeSpan? waitFor = null;
            try
            {
                // What was refused goes first, so each monitor's readings still reach the Gateway in sequence order.
                foreach (var (patient, tick) in backlog.TakeAll())
                {
                    await CallOf(calls, client, patient, abort).WriteAsync(tick, abort);
                    counters.Resending(tick.Readings.Count);
                }
                while (!stop.IsCancellationRequested && Clock.Time.GetElapsedTime(opened) < segment)
                {
                    if (!paid)
                    {
                        try
                        {
                            await bucket.WaitAsync(Options.BatchSize, stop);
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                    // The phase moved on while this stream waited: the batch opens the next call instead.
                    paid = Clock.Phase != phase;
                    if (paid)
                    {
                        break;
                    }
                    foreach (var (patient, tick) in NextTicks(patients, ref cursor, random))
                    {
                        await CallOf(calls, client, patient, abort).WriteAsync(tick, abort);
                        counters.Wrote(tick.Readings.Count);
                    }
                }
                var failed = await CompleteAsync(calls, counters, backlog, abort);
                waitFor = failed is null ? null : BackPressure(failed);
                failures = failed is null || waitFor is not null ? 0 : failures + 1;
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
            if (waitFor is { } pushback)
            {
                // Not cut short by the end of sending: the refused readings are resent after it.
                await Task.Delay(pushback, Clock.Time, abort);
            }
        }
    }

    /// <summary>
    /// How much a sender keeps to resend, in seconds of its share of the rate: at one tick a second, a monitor's last
    /// 30 ticks. A Gateway refusing for longer than that loses the sender's oldest readings, counted as dropped.
    /// </summary>
    internal const int ResendBacklogSeconds = 30;

    private static MonitorCall CallOf(Dictionary<SyntheticPatient, MonitorCall> calls, VitalSignIngestion.VitalSignIngestionClient client, SyntheticPatient patient, CancellationToken abort)
    {
        if (!calls.TryGetValue(patient, out var call))
        {
            call = new MonitorCall(client.IngestStream(Credentials(patient), cancellationToken: abort));
            calls[patient] = call;
        }
        return call;
    }

    /// <summary>
    /// The wait the Gateway asked for when it refused for back-pressure (UNAVAILABLE with <c>grpc-retry-pushback-ms</c>):
    /// the system protecting its consumers, not a failing Gateway, so such rounds never count towards giving up.
    /// </summary>
    private static TimeSpan? BackPressure(RpcException failure) =>
        failure.StatusCode == StatusCode.Unavailable
        && failure.Trailers.GetValue("grpc-retry-pushback-ms") is { } text
        && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : null;

    /// <summary>
    /// Completes every call of a round and counts its acknowledgement; the ticks of calls refused for back-pressure
    /// are kept in <paramref name="backlog"/> to be sent again. Returns the last failure, null when none failed.
    /// </summary>
    private async Task<RpcException?> CompleteAsync(Dictionary<SyntheticPatient, MonitorCall> calls, IngestionCounters counters, ResendBacklog backlog, CancellationToken abort)
    {
        await Task.WhenAll(calls.Values.Select(call => call.CompleteAsync()));
        RpcException? failed = null;
        long refused = 0;
        foreach (var (patient, call) in calls)
        {
            try
            {
                counters.Acknowledged(await call.Response, Clock.Time.GetUtcNow());
            }
            catch (RpcException ex) when (!abort.IsCancellationRequested)
            {
                var backPressure = BackPressure(ex) is not null;
                counters.Failed(call.Written, backPressure ? "Unavailable (back-pressure)" : ex.StatusCode.ToString());
                if (backPressure)
                {
                    refused += call.Written;
                }
                // A monitor resends what a refused call or a failed connection (HTTP/2 resets it with ENHANCE_YOUR_CALM,
                // RESOURCE_EXHAUSTED to gRPC, when many calls end at once) did not deliver. What came before the failing
                // batch was taken, and the twin skips it as a resend.
                if (backPressure || ex.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted)
                {
                    counters.Dropping(backlog.Keep(call.Ticks.Select(tick => (patient, tick))));
                }
                failed = ex;
            }
        }
        if (refused > 0)
        {
            counters.RefusedRound(refused);
        }
        return failed;
    }

    private static Metadata Credentials(SyntheticPatient patient) => GrpcDeviceTransport.Headers(patient.Login);

    /// <summary>One monitor's stream call in a round, and the readings written to it.</summary>
    private sealed class MonitorCall(AsyncClientStreamingCall<VitalSignBatch, IngestAck> call) : IDisposable
    {
        private readonly List<VitalSignBatch> _ticks = [];
        private bool _ended;

        public long Written { get; private set; }

        /// <summary>The ticks written to the call, in order.</summary>
        public IReadOnlyList<VitalSignBatch> Ticks => _ticks;

        public Task<IngestAck> Response => call.ResponseAsync;

        public async Task WriteAsync(VitalSignBatch tick, CancellationToken cancellationToken)
        {
            Written += tick.Readings.Count;
            _ticks.Add(tick);
            if (_ended)
            {
                return;
            }
            try
            {
                await call.RequestStream.WriteAsync(tick, cancellationToken);
            }
            catch (Exception ex) when (ex is RpcException or IOException)
            {
                // The Gateway ended the call (refusing it for back-pressure ends many at once, and HTTP/2 may then reset
                // the streams still being written); its status comes with the response.
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
            catch (Exception ex) when (ex is RpcException or IOException)
            {
                // As above: the response says why.
            }
        }

        public void Dispose() => call.Dispose();
    }
}
