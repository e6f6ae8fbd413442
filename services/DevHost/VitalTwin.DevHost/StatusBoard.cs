using System.Globalization;
using Confluent.Kafka;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.DevHost;

/// <summary>
/// The demo's live status line, read from the system's own outputs: readings from the telemetry topic,
/// twins from TwinQuery, alerts from the alerts topic. Patient identifiers are not printed.
/// </summary>
internal sealed class StatusBoard(LocalCluster cluster, TextWriter output)
{
    private long _readings;
    private long _alerts;
    private readonly long[] _alertsByPriority = new long[4];
    private readonly HashSet<string> _patients = new(StringComparer.Ordinal);

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        var consuming = Task.Factory.StartNew(() => Consume(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        using var channel = cluster.Channel("TwinState", cluster.Tokens.Mint("devhost-status", [Roles.Clinician], [Caller.EveryWard], TimeSpan.FromDays(7)));
        var twins = new TwinQuery.TwinQueryClient(channel);
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
                var (twinCount, elevated) = await CountTwinsAsync(twins, cancellationToken);
                int patients;
                lock (_patients)
                {
                    patients = _patients.Count;
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

    private static async Task<(int Twins, int Elevated)> CountTwinsAsync(TwinQuery.TwinQueryClient twins, CancellationToken cancellationToken)
    {
        int count = 0, elevated = 0;
        var request = new ListTwinsRequest { PageSize = 500 };
        do
        {
            var page = await twins.ListTwinsAsync(request, cancellationToken: cancellationToken);
            count += page.Twins.Count;
            elevated += page.Twins.Count(t => t.News2.Total >= 5);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return (count, elevated);
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
        consumer.Subscribe([cluster.Topics.Telemetry, cluster.Topics.Alerts]);
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
                else if (new ConsumedEvent(result).Is(AlertRaised.Descriptor))
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
