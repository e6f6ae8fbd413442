using System.Globalization;
using Confluent.Kafka;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;

namespace VitalTwin.DevHost;

/// <summary>
/// The demo's live status line, read from the system's own outputs: readings from the telemetry topic, twins and
/// their NEWS2 from the twin-events topic, alerts from the alerts topic. Patient identifiers are not printed. It
/// calls no TwinQuery method: counting twins is no clinician's read, and must not fill the audit trail as one.
/// </summary>
internal sealed class StatusBoard(LocalCluster cluster, TextWriter output)
{
    private long _readings;
    private long _alerts;
    private readonly long[] _alertsByPriority = new long[4];
    private readonly HashSet<string> _patients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _news2ByPatient = new(StringComparer.Ordinal);

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        var consuming = Task.Factory.StartNew(() => Consume(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var started = DateTime.UtcNow;
        long lastReadings = 0;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var readings = Interlocked.Read(ref _readings);
                var rate = (readings - lastReadings) / interval.TotalSeconds;
                lastReadings = readings;
                int patients, twinCount, elevated;
                lock (_patients)
                {
                    patients = _patients.Count;
                    twinCount = _news2ByPatient.Count;
                    elevated = _news2ByPatient.Values.Count(total => total >= 5);
                }
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{DateTime.UtcNow - started:mm\\:ss}] patients {patients} | readings/s {rate:0} | twins {twinCount} (NEWS2>=5: {elevated}) | alerts {Interlocked.Read(ref _alerts)} (high {_alertsByPriority[3]}, medium {_alertsByPriority[2]}, low {_alertsByPriority[1]})"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        await consuming;
    }

    private void Consume(CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.Kafka.BootstrapServers,
            GroupId = $"vitaltwin-devhost-status-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Subscribe([cluster.Topics.Telemetry, cluster.Topics.TwinEvents, cluster.Topics.Alerts]);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = consumer.Consume(cancellationToken);
                if (result.Topic == cluster.Topics.Telemetry)
                {
                    Interlocked.Increment(ref _readings);
                    lock (_patients)
                    {
                        _patients.Add(result.Message.Key);
                    }
                }
                else if (new ConsumedEvent(result) is var consumed && consumed.Is(TwinNews2Changed.Descriptor))
                {
                    var changed = consumed.Parse(TwinNews2Changed.Parser);
                    lock (_patients)
                    {
                        _news2ByPatient[changed.PatientId] = changed.News2.Total;
                    }
                }
                else if (consumed.Is(AlertRaised.Descriptor))
                {
                    var alert = AlertRaised.Parser.ParseFrom(result.Message.Value);
                    Interlocked.Increment(ref _alerts);
                    Interlocked.Increment(ref _alertsByPriority[(int)alert.Priority]);
                    output.WriteLine($"  alert: {alert.Priority} {alert.Condition} - {alert.Summary}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }
}
