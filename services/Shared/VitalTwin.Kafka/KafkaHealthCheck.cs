using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Security;

namespace VitalTwin.Kafka;

/// <summary>
/// Readiness: can this process reach the Kafka cluster? Asks one long-lived admin client for the cluster's
/// metadata with a short timeout, and reuses the answer for a few seconds, so probes neither build a client
/// each time nor pile up requests on a struggling cluster.
/// </summary>
public sealed partial class KafkaHealthCheck : IHealthCheck, IDisposable
{
    private readonly KafkaOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<KafkaHealthCheck> _logger;
    private readonly Lazy<IAdminClient> _admin;
    private readonly SemaphoreSlim _probing = new(1, 1);
    private (DateTimeOffset At, HealthCheckResult Result)? _last;

    public KafkaHealthCheck(IOptions<KafkaOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<KafkaHealthCheck> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _admin = new Lazy<IAdminClient>(() => new AdminClientBuilder(_options.Connect(new AdminClientConfig
            {
                ClientId = $"{_options.ClientId ?? environment.ApplicationName}-health",
            }))
            // While the cluster is away librdkafka reports every failed connection; the probe's answer says it once.
            .SetLogHandler((_, message) => LogClient(_logger, message.Facility, message.Message))
            .SetErrorHandler((_, error) => LogClient(_logger, error.Code.ToString(), error.Reason))
            .Build());
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Fresh() is { } cached)
        {
            return cached;
        }
        await _probing.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } probedMeanwhile)
            {
                return probedMeanwhile;
            }
            // GetMetadata blocks for up to the timeout: off the request thread.
            var result = await Task.Run(Probe, cancellationToken);
            _last = (_clock.GetUtcNow(), result);
            return result;
        }
        finally
        {
            _probing.Release();
        }
    }

    private HealthCheckResult? Fresh() =>
        _last is { } last && _clock.GetUtcNow() - last.At < _options.HealthCheckCacheDuration ? last.Result : null;

    private HealthCheckResult Probe()
    {
        try
        {
            var metadata = _admin.Value.GetMetadata(_options.HealthCheckTimeout);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} brokers reachable")
                : HealthCheckResult.Unhealthy("Kafka answered without brokers");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy($"Kafka unreachable ({ex.Error.Code})");
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
        _probing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka health probe client: {Facility} {Message}")]
    private static partial void LogClient(ILogger logger, string facility, string message);
}
