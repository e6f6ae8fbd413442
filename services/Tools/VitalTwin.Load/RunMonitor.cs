using System.Globalization;
using Confluent.Kafka;
using VitalTwin.DevHost;
using VitalTwin.Load.Generation;
using VitalTwin.Load.Measurement;
using VitalTwin.Load.Reporting;

namespace VitalTwin.Load;

/// <summary>
/// While the run goes on: samples CPU and memory every second, and every status interval samples consumer lag and
/// prints one plain status line (readable in a CI log as on a terminal), kept for the report's timeline. Fails
/// the run when a service process exits.
/// </summary>
internal sealed class RunMonitor(
    LoadOptions options,
    RunClock run,
    IngestionDriver driver,
    TwinProbe twins,
    AlertProbe alerts,
    ConsumerLagSampler lag,
    ProcessSampler processes,
    LocalCluster cluster,
    TextWriter output)
{
    private readonly List<StatusSample> _timeline = [];
    private readonly Dictionary<string, long> _maxLag = new(StringComparer.Ordinal);

    public IReadOnlyList<StatusSample> Timeline => _timeline;

    public IReadOnlyDictionary<string, long> MaxLagDuringWindow => _maxLag;

    public async Task RunAsync(TimeSpan sampleInterval, CancellationToken cancellationToken)
    {
        var clock = run.Time;
        var started = clock.GetTimestamp();
        var lastStatus = started;
        long lastSent = 0, lastAccepted = 0;
        var statusInterval = TimeSpan.FromSeconds(options.StatusInterval);
        using var timer = new PeriodicTimer(sampleInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (cluster.Processes.FirstOrDefault(p => p.HasExited) is { } exited)
                {
                    throw new InvalidOperationException($"{exited.Name} exited during the run; its output above says why.");
                }
                processes.Sample();
                var sinceStatus = clock.GetElapsedTime(lastStatus);
                if (sinceStatus < statusInterval)
                {
                    continue;
                }
                lastStatus = clock.GetTimestamp();

                var sent = driver.Warmup.Sent + driver.Window.Sent;
                var accepted = driver.Warmup.Accepted + driver.Window.Accepted;
                var phase = run.Phase;
                var lags = await SampleLagAsync(cancellationToken);
                if (phase == LoadPhase.Window && lags is not null)
                {
                    foreach (var (service, value) in lags)
                    {
                        _maxLag[service] = Math.Max(_maxLag.GetValueOrDefault(service), value);
                    }
                }
                var status = new StatusSample(
                    Math.Round(clock.GetElapsedTime(started).TotalSeconds, 1),
                    phase.ToString(),
                    Math.Round((sent - lastSent) / sinceStatus.TotalSeconds, 1),
                    Math.Round((accepted - lastAccepted) / sinceStatus.TotalSeconds, 1),
                    twins.Latency.TakeInterval(),
                    alerts.Measured,
                    alerts.Expected,
                    lags ?? new Dictionary<string, long>(),
                    processes.LastInterval);
                lastSent = sent;
                lastAccepted = accepted;
                _timeline.Add(status);
                output.WriteLine(Format(status, alerts.Received.TakeInterval()));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<IReadOnlyDictionary<string, long>?> SampleLagAsync(CancellationToken cancellationToken)
    {
        try
        {
            var lags = await Task.Run(() => lag.SampleAsync(cancellationToken), cancellationToken);
            return lags.ToDictionary(l => l.Service, l => l.Lag, StringComparer.Ordinal);
        }
        catch (KafkaException)
        {
            // A busy mock cluster may time an offset fetch out; the next sample tries again.
            return null;
        }
    }

    private string Format(StatusSample status, LatencySummary alertInterval)
    {
        var elapsed = TimeSpan.FromSeconds(status.ElapsedSeconds);
        var position = run.Phase switch
        {
            LoadPhase.Warmup => $"warm-up {elapsed:mm\\:ss}/{TimeSpan.FromSeconds(options.Warmup):mm\\:ss}",
            LoadPhase.Window => $"window {run.Time.GetUtcNow() - run.WindowStart!.Value:mm\\:ss}/{TimeSpan.FromSeconds(options.Duration):mm\\:ss}",
            _ => $"drain {run.Time.GetUtcNow() - run.WindowEnd!.Value:mm\\:ss}",
        };
        var twin = status.DeviceToTwin.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"{status.DeviceToTwin.P99:0.0} ms") : "-";
        var alert = alertInterval.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $" (p99 {alertInterval.P99:0} ms)") : "";
        var lags = status.Lag.Count > 0 ? string.Join(" ", status.Lag.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value:N0}"))) : "n/a";
        var cpu = string.Join(" ", status.CpuPercent.Select(c => string.Create(CultureInfo.InvariantCulture, $"{Short(c.Key)} {c.Value:0}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"[{position}] sent {status.SentPerSecond:N0}/s accepted {status.AcceptedPerSecond:N0}/s | twin p99 {twin} | alerts {status.AlertsMeasured}/{status.AlertsExpected}{alert} | lag {lags} | CPU% {cpu}");
    }

    private static string Short(string process) => process switch
    {
        ProcessSampler.EmbeddedKafka => "kafka",
        ProcessSampler.LoadTool => "load",
        ProcessSampler.Machine => "machine",
        ProcessSampler.Others => "others",
        _ => process,
    };
}
